"""The shared task model: every arm enters through an input projection to ``d_model``.

``x: (B, T, d_in)`` -> Linear(d_in, d_model) -> causal body (transformer or LSTM)
-> Linear(d_model, V_target) -> logits ``(B, T, V_target)``. Only ``d_in`` differs between
arms (``d_orig`` for ``full``, ``d_c`` for the others), so only the input projection's size
does.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from genoenc.errors import ConfigError, is_int
from genoenc.models.heads import ChainHead, softmax_nats
from genoenc.models.lstm import LSTMBody
from genoenc.models.transformer import Transformer

__all__ = ["ARCHS", "HEADS", "ModelConfig", "TaskModel", "build_model"]

ARCHS: tuple[str, ...] = ("transformer", "lstm")
#: Output heads. ``softmax`` is the default: on E. coli 6-mers (2 M tokens, ``full``) the
#: chain head reached 1.9833 bits/base against 1.9642 for softmax (docs/defaults.md).
HEADS: tuple[str, ...] = ("softmax", "chain")


@dataclass(frozen=True, kw_only=True)
class ModelConfig:
    """The task model's shape.

    Attributes:
        arch: ``transformer`` (pre-LN causal, default) or ``lstm``.
        d_model: Width of the body.
        n_layer: Blocks (transformer) or stacked LSTM layers.
        n_head: Attention heads; must divide ``d_model`` (transformer only).
        d_ff: Feed-forward width; ``None`` means ``4 * d_model``.
        dropout: Dropout probability in ``[0, 1)``.
        head: ``softmax`` (one output row per target id) or ``chain`` (non-overlapping
            k-mers as k successive base predictions, :class:`~genoenc.models.heads.ChainHead`).
    """

    arch: str = "transformer"
    d_model: int = 64
    n_layer: int = 2
    n_head: int = 4
    d_ff: int | None = None
    dropout: float = 0.0
    head: str = "softmax"

    def __post_init__(self) -> None:
        if self.head not in HEADS:
            raise ConfigError(f"model.head must be one of {', '.join(HEADS)} (got {self.head!r})")
        if self.arch not in ARCHS:
            raise ConfigError(f"model.arch must be one of {', '.join(ARCHS)} (got {self.arch!r})")
        for name in ("d_model", "n_layer", "n_head"):
            value = getattr(self, name)
            if not is_int(value) or value < 1:
                raise ConfigError(f"model.{name} must be an integer >= 1 (got {value!r})")
        if self.d_ff is not None and (not is_int(self.d_ff) or self.d_ff < 1):
            raise ConfigError(f"model.d_ff must be an integer >= 1 or None (got {self.d_ff!r})")
        if self.arch == "transformer" and self.d_model % self.n_head:
            raise ConfigError(
                f"model.n_head must divide model.d_model ({self.d_model} / {self.n_head})"
            )
        if (
            not isinstance(self.dropout, int | float)
            or isinstance(self.dropout, bool)
            or not 0.0 <= self.dropout < 1.0
        ):
            raise ConfigError(f"model.dropout must be in [0, 1) (got {self.dropout!r})")

    @property
    def ff_width(self) -> int:
        """The feed-forward width: ``d_ff`` or ``4 * d_model``.

        >>> ModelConfig(d_model=32).ff_width
        128
        """
        return self.d_ff if self.d_ff is not None else 4 * self.d_model


class TaskModel(nn.Module):
    """Input projection, causal body, head: ``(B, T, d_in)`` -> logits ``(B, T, V_target)``.

    ``context`` is the longest sequence the model accepts: the window's context
    (``window.context``), the one setting of it.
    """

    def __init__(
        self,
        cfg: ModelConfig,
        d_in: int,
        target_vocab_size: int,
        target_k: int = 1,
        *,
        context: int,
    ) -> None:
        super().__init__()
        if d_in < 1 or target_vocab_size < 1 or context < 1:
            raise ValueError(
                "d_in, target_vocab_size and context must be >= 1 "
                f"(got {d_in}, {target_vocab_size}, {context})"
            )
        self.config = cfg
        self.d_in = d_in
        self.context = context
        self.input_proj = nn.Linear(d_in, cfg.d_model)
        self.body: nn.Module
        if cfg.arch == "transformer":
            self.body = Transformer(
                d_model=cfg.d_model,
                n_layer=cfg.n_layer,
                n_head=cfg.n_head,
                d_ff=cfg.ff_width,
                dropout=cfg.dropout,
            )
        else:
            self.body = LSTMBody(d_model=cfg.d_model, n_layer=cfg.n_layer, dropout=cfg.dropout)
        self.head: nn.Module
        if cfg.head == "chain":
            if target_k < 2 or target_vocab_size != 4**target_k + 4:
                raise ConfigError(
                    "model.head chain needs non-overlapping DNA k-mers with k >= 2 "
                    f"(targets here: {target_vocab_size} ids)"
                )
            self.head = ChainHead(cfg.d_model, target_k)
        else:
            self.head = nn.Linear(cfg.d_model, target_vocab_size)
        self._init_weights()

    def _init_weights(self) -> None:
        # nanoGPT: Linear and Embedding weights ~ N(0, 0.02), biases 0, LayerNorm as built;
        # the projections back into the residual stream get std 0.02 / sqrt(2 n_layer), so the
        # stream's variance does not grow with depth (GPT-2). The LSTM keeps torch's own
        # U(-1/sqrt(d_model), 1/sqrt(d_model)), which suits its gates.
        for module in self.modules():
            if isinstance(module, nn.Linear):
                nn.init.normal_(module.weight, mean=0.0, std=0.02)
                if module.bias is not None:
                    nn.init.zeros_(module.bias)
            elif isinstance(module, nn.Embedding):
                nn.init.normal_(module.weight, mean=0.0, std=0.02)
        residual_std = 0.02 / math.sqrt(2 * self.config.n_layer)
        for name, param in self.named_parameters():
            if name.endswith("c_proj.weight"):
                nn.init.normal_(param, mean=0.0, std=residual_std)

    def hidden(self, x: torch.Tensor) -> torch.Tensor:
        """The body's output ``(B, T, d_model)`` for encoded tokens ``x (B, T, d_in)``.

        Raises:
            ValueError: ``T`` exceeds ``context``.
        """
        T = x.shape[1]
        if T > self.context:
            raise ValueError(
                f"sequence of length {T} is longer than the model context {self.context}"
            )
        return self.body(self.input_proj(x))  # (B, T, d_model)

    def nats(self, h: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Cross-entropy ``(B, T)`` of the targets ``y`` given hidden states ``h``."""
        if isinstance(self.head, ChainHead):
            return self.head.nats(h, y)
        return softmax_nats(self.head(h), y)

    def predict(self, h: torch.Tensor) -> torch.Tensor:
        """The most probable target id at every position ``(B, T)``."""
        if isinstance(self.head, ChainHead):
            return self.head.predict(h)
        return self.head(h).argmax(dim=-1)

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        """Next-token logits for encoded tokens, or the cross-entropy of targets ``y``.

        Args:
            x: Encoder output ``(B, T, d_in)``.
            y: Target ids ``(B, T)``, or ``None``.

        Returns:
            Without ``y``: logits ``(B, T, V_target)`` (for the chain head, exact
            log-probabilities); position t depends on inputs ``<= t`` only. With ``y``:
            nats ``(B, T)`` (what training runs: the chain head never builds all logits).

        Raises:
            ValueError: ``T`` exceeds ``context``.
        """
        h = self.hidden(x)
        if y is not None:
            return self.nats(h, y)
        if isinstance(self.head, ChainHead):
            return self.head.log_probs(h)
        return self.head(h)  # (B, T, V_target)

    def param_counts(self) -> dict[str, int]:
        """Parameters per component, counted from the modules.

        Returns:
            ``input_projection``, ``body``, ``head`` and ``total``.
        """
        counts = {
            "input_projection": sum(p.numel() for p in self.input_proj.parameters()),
            "body": sum(p.numel() for p in self.body.parameters()),
            "head": sum(p.numel() for p in self.head.parameters()),
        }
        counts["total"] = self.param_count()
        return counts

    def param_count(self) -> int:
        """All parameters of the task model (what DESIGN calls ``params.task_model``)."""
        return sum(p.numel() for p in self.parameters())


def build_model(
    cfg: ModelConfig, d_in: int, target_vocab_size: int, target_k: int = 1, *, context: int
) -> TaskModel:
    """Build the task model for inputs of width ``d_in`` (the encoder's ``d_out``).

    Initial weights come from torch's global RNG: the same ``torch.manual_seed`` gives the
    same model.

    Args:
        cfg: The model config.
        d_in: Width of the encoded tokens.
        target_vocab_size: Number of target ids (logits per position).
        target_k: Bases per target (k of non-overlapping k-mers; 1 otherwise): the chain
            head predicts that many bases.
        context: Longest sequence the model accepts (the run's ``window.context``).
    """
    return TaskModel(cfg, d_in, target_vocab_size, target_k, context=context)
