"""``TokenizerConfig``: which tokenizer turns sequence bytes into ids."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

from genoenc.errors import ConfigError

__all__ = ["MAX_K", "TOKENIZER_KINDS", "TokenizerConfig"]

#: Tokenizer kinds :func:`genoenc.tokenize.build_tokenizer` knows.
TOKENIZER_KINDS: tuple[str, ...] = ("dna",)
#: Largest k-mer length: ``4**12 + 4`` ids still fit a uint32 store and a sane embedding.
MAX_K = 12


@dataclass(frozen=True, kw_only=True)
class TokenizerConfig:
    """How sequence bytes become token ids.

    Attributes:
        kind: ``"dna"``: the fixed DNA vocabulary, single bases or k-mers.
        k: Bases per token, 1..12 (``k=1`` is the single-base vocabulary).
        stride: Step between consecutive k-mers: ``k`` (non-overlapping, predicts the
            next k-mer) or ``1`` (overlapping, predicts the next base). ``None`` means
            ``k``; after construction it always holds an int.

    Raises:
        ConfigError: A field is out of range; the message names it, e.g.
            ``tokenizer.k must be in 1..12 (got 13)``.

    >>> TokenizerConfig(k=3)
    TokenizerConfig(kind='dna', k=3, stride=3)
    >>> TokenizerConfig(k=3, stride=2)
    Traceback (most recent call last):
    ...
    genoenc.errors.ConfigError: tokenizer.stride must be 1 or k=3 (got 2)
    """

    kind: str = "dna"
    k: int = 1
    stride: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in TOKENIZER_KINDS:
            known = ", ".join(TOKENIZER_KINDS)
            raise ConfigError(f"tokenizer.kind must be one of {known} (got {self.kind!r})")
        if isinstance(self.k, bool) or not isinstance(self.k, int) or not 1 <= self.k <= MAX_K:
            raise ConfigError(f"tokenizer.k must be in 1..{MAX_K} (got {self.k!r})")
        if self.stride is None:
            # Frozen dataclass: resolve the default once so equal configs compare equal.
            object.__setattr__(self, "stride", self.k)
        elif (
            isinstance(self.stride, bool)
            or not isinstance(self.stride, int)
            or self.stride not in (1, self.k)
        ):
            raise ConfigError(f"tokenizer.stride must be 1 or k={self.k} (got {self.stride!r})")

    @property
    def step(self) -> int:
        """The resolved stride as an int (``stride`` is never ``None`` after construction).

        >>> TokenizerConfig(k=4, stride=1).step
        1
        """
        assert self.stride is not None  # resolved in __post_init__
        return self.stride

    def to_dict(self) -> dict[str, Any]:
        """The config as plain JSON-ready data (as stored in ``index.json`` and run dirs).

        >>> TokenizerConfig(k=2).to_dict()
        {'kind': 'dna', 'k': 2, 'stride': 2}
        """
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TokenizerConfig:
        """Build a config from :meth:`to_dict` output, rejecting unknown keys.

        Raises:
            ConfigError: An unknown key or an invalid value.

        >>> TokenizerConfig.from_dict({"k": 2, "stride": 1})
        TokenizerConfig(kind='dna', k=2, stride=1)
        """
        known = {field.name for field in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(f"tokenizer.{unknown[0]} is not a tokenizer option")
        return cls(**data)
