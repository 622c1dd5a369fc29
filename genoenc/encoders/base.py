"""The encoder interface and its config: token ids in, one vector per token out.

Every strategy maps ``ids: (B, T)`` to ``(B, T, d_out)`` and says, counted from its own
modules, what must be stored for inference (``encoding``) and what exists only to train
(``training_only``: the autoencoders' source table, encoder and decoder weights).
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass

import torch
from torch import nn

from genoenc.errors import ConfigError, is_int

__all__ = [
    "AUTOENCODER_STRATEGIES",
    "SOURCE_TABLES",
    "STRATEGIES",
    "Encoder",
    "EncoderConfig",
]

#: Strategies whose vectors come from an autoencoder over a ``V x d_orig`` source table.
AUTOENCODER_STRATEGIES: tuple[str, ...] = (
    "autoencoder",
    "autoencoder-joint",
    "autoencoder-deep",
    "autoencoder-vae",
    "autoencoder-twostage",
)
STRATEGIES: tuple[str, ...] = ("full", "learned", *AUTOENCODER_STRATEGIES)
#: What the autoencoders reconstruct: the trained ``full`` arm's embedding, a fixed
#: N(0, 1) table, or one-hot rows padded with zeros to ``d_orig``.
SOURCE_TABLES: tuple[str, ...] = ("full", "random", "onehot")


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


@dataclass(frozen=True, kw_only=True)
class EncoderConfig:
    """How tokens become vectors.

    Attributes:
        strategy: One of :data:`STRATEGIES`.
        d_orig: Width of the uncompressed encoding (the ``full`` embedding, the source table).
        ratio: Compression ratio ``d_orig / d_c``; must divide ``d_orig``. For ``full`` it is
            ignored and recorded as 1.
        source_table: What the autoencoder family reconstructs, one of :data:`SOURCE_TABLES`.
        ae_hidden: Hidden widths of ``autoencoder-deep`` between ``d_orig`` and ``d_c``;
            empty means ``(max(d_orig // 2, d_c),)``. Ignored by other strategies.
        ae_mid: Middle width of ``autoencoder-twostage`` (``d_c <= ae_mid <= d_orig``);
            ``None`` means the geometric mean of ``d_orig`` and ``d_c``.
        vae_beta: Weight of the KL term of ``autoencoder-vae`` in stage 1.
        joint_lambda: Weight of the reconstruction term of ``autoencoder-joint``
            (``loss = task + joint_lambda * recon``).
        stage1_steps: Full-batch Adam steps of stage 1 (per stage for ``twostage``).
        stage1_lr: Adam learning rate of stage 1.
    """

    strategy: str = "learned"
    d_orig: int = 64
    ratio: int = 4
    source_table: str = "full"
    ae_hidden: tuple[int, ...] = ()
    ae_mid: int | None = None
    vae_beta: float = 1e-3
    joint_lambda: float = 1.0
    stage1_steps: int = 2000
    stage1_lr: float = 1e-2

    def __post_init__(self) -> None:
        if self.strategy not in STRATEGIES:
            raise ConfigError(
                f"encoder.strategy must be one of {', '.join(STRATEGIES)} (got {self.strategy!r})"
            )
        if not is_int(self.d_orig) or self.d_orig < 1:
            raise ConfigError(f"encoder.d_orig must be an integer >= 1 (got {self.d_orig!r})")
        if not is_int(self.ratio) or self.ratio < 1:
            raise ConfigError(f"encoder.ratio must be an integer >= 1 (got {self.ratio!r})")
        if self.strategy == "full":
            # The reference arm is uncompressed whatever ratio a sweep carries along.
            object.__setattr__(self, "ratio", 1)
        if self.d_orig % self.ratio:
            raise ConfigError(
                f"encoder.ratio must divide encoder.d_orig ({self.d_orig} / {self.ratio})"
            )
        if self.source_table not in SOURCE_TABLES:
            raise ConfigError(
                f"encoder.source_table must be one of {', '.join(SOURCE_TABLES)} "
                f"(got {self.source_table!r})"
            )
        # Lists arrive from YAML/JSON; a tuple keeps the frozen config hashable.
        object.__setattr__(self, "ae_hidden", tuple(self.ae_hidden))
        if not all(is_int(width) and width >= 1 for width in self.ae_hidden):
            raise ConfigError(
                f"encoder.ae_hidden must hold integers >= 1 (got {list(self.ae_hidden)!r})"
            )
        if self.ae_mid is not None and (
            not is_int(self.ae_mid) or not self.d_c <= self.ae_mid <= self.d_orig
        ):
            raise ConfigError(
                f"encoder.ae_mid must be an integer in {self.d_c}..{self.d_orig} "
                f"(d_c..d_orig; got {self.ae_mid!r})"
            )
        for name in ("vae_beta", "joint_lambda"):
            value = getattr(self, name)
            if not _is_number(value) or not value >= 0 or not math.isfinite(value):
                raise ConfigError(f"encoder.{name} must be a finite number >= 0 (got {value!r})")
        if not is_int(self.stage1_steps) or self.stage1_steps < 0:
            raise ConfigError(
                f"encoder.stage1_steps must be an integer >= 0 (got {self.stage1_steps!r})"
            )
        if (
            not _is_number(self.stage1_lr)
            or not self.stage1_lr > 0
            or not math.isfinite(self.stage1_lr)
        ):
            raise ConfigError(f"encoder.stage1_lr must be a number > 0 (got {self.stage1_lr!r})")

    @property
    def d_c(self) -> int:
        """Compressed width ``d_orig // ratio`` (``d_orig`` for ``full``)."""
        return self.d_orig // self.ratio

    @property
    def d_mid(self) -> int:
        """Middle width of ``autoencoder-twostage``: ``ae_mid`` or ``round(sqrt(d_orig * d_c))``.

        >>> EncoderConfig(strategy="autoencoder-twostage", d_orig=64, ratio=16).d_mid
        16
        """
        if self.ae_mid is not None:
            return self.ae_mid
        return round(math.sqrt(self.d_orig * self.d_c))

    @property
    def d_hidden(self) -> tuple[int, ...]:
        """Hidden widths of ``autoencoder-deep``, encoder side, outermost first.

        >>> EncoderConfig(strategy="autoencoder-deep", d_orig=64, ratio=8).d_hidden
        (32,)
        """
        return self.ae_hidden or (max(self.d_orig // 2, self.d_c),)


class Encoder(nn.Module, ABC):
    """A token -> vector map: ``forward(ids: (B, T) int64) -> (B, T, d_out)``.

    Subclasses set :attr:`d_out` and :attr:`encoding_names` (the top-level attribute names
    of the parameters/buffers that must be stored for inference); every other parameter
    and floating-point buffer counts as ``training_only``.
    """

    #: Whether the strategy trains in two stages: call :meth:`stage1_fit` before the task.
    needs_stage1: bool = False
    #: Attribute names whose tensors make up the stored encoding.
    encoding_names: tuple[str, ...] = ()

    def __init__(self, cfg: EncoderConfig, vocab_size: int) -> None:
        super().__init__()
        if vocab_size < 1:
            raise ValueError(f"vocab_size must be >= 1 (got {vocab_size})")
        self.config = cfg
        self.vocab_size = vocab_size
        self.d_out: int = cfg.d_c

    @abstractmethod
    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        """Map token ids ``(B, T)`` to vectors ``(B, T, d_out)``."""

    def stage1_fit(
        self,
        steps: int | None = None,
        lr: float | None = None,
        generator: torch.Generator | None = None,
    ) -> dict[str, float | int]:
        """Run stage 1 (only strategies with :attr:`needs_stage1`).

        Raises:
            RuntimeError: The strategy has no stage 1.
        """
        raise RuntimeError(f"encoder strategy {self.config.strategy!r} has no stage 1")

    def aux_loss(self) -> torch.Tensor | None:
        """Extra loss term to add to the task loss during training, or ``None``."""
        return None

    def encoding_tensors(self) -> dict[str, torch.Tensor]:
        """The tensors that must be stored for inference, by state-dict name."""
        return {
            name: tensor
            for name, tensor in self._counted_tensors()
            if name.split(".")[0] in self.encoding_names
        }

    def param_counts(self) -> dict[str, int]:
        """Element counts of the encoding and of the training-only tensors, from the modules.

        Returns:
            ``{"encoding": n, "training_only": m}``; their sum is every parameter and
            floating-point buffer of the encoder.
        """
        encoding = self.encoding_tensors()
        total = sum(tensor.numel() for _, tensor in self._counted_tensors())
        stored = sum(tensor.numel() for tensor in encoding.values())
        return {"encoding": stored, "training_only": total - stored}

    def encoding_bytes(self, dtype: torch.dtype | None = None) -> int:
        """Bytes of the stored encoding at ``dtype`` (default: the dtype it has now)."""
        return sum(
            tensor.numel() * (dtype or tensor.dtype).itemsize
            for tensor in self.encoding_tensors().values()
        )

    def _counted_tensors(self) -> list[tuple[str, torch.Tensor]]:
        # Parameters and floating-point buffers; integer/bool buffers are bookkeeping flags.
        tensors: list[tuple[str, torch.Tensor]] = list(self.named_parameters())
        tensors += [(n, b) for n, b in self.named_buffers() if b.is_floating_point()]
        return tensors
