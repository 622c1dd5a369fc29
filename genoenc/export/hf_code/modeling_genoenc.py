"""A genoenc model for Hugging Face ``transformers`` (``trust_remote_code``).

The same computation as genoenc's encoder + ``TaskModel``, with the same parameter
names, so genoenc's weights load unchanged:

``input_ids (B, T)`` -> stored encoding (embedding lookup) ``(B, T, d_in)`` ->
``input_proj`` ``(B, T, d_model)`` -> causal body (pre-LN transformer with rotary
positions, or an LSTM) -> ``head`` -> logits ``(B, T, target_vocab_size)``.

Position ``t`` predicts token ``t + 1`` from tokens ``<= t``. A sequence read from its
start begins with the BOS token (genoenc's START), as in training. Written by
``genoenc export``; this file must not import genoenc.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn
from transformers import GenerationMixin, PreTrainedModel
from transformers.modeling_outputs import CausalLMOutput

from .configuration_genoenc import GenoencConfig

# The DNA base ids (A, T, C, G = 0..3, then N, START, END, PAD), used for overlapping k-mers.
_N_BASES = 4
_PAD = 7


def rotary_tables(
    T: int, head_size: int, device: torch.device
) -> tuple[torch.Tensor, torch.Tensor]:
    """cos and sin tables ``(T, head_size // 2)`` for rotary position embeddings."""
    inv_freq = 1.0 / (10000 ** (torch.arange(0, head_size, 2, device=device) / head_size))
    angles = torch.outer(torch.arange(T, device=device, dtype=inv_freq.dtype), inv_freq)
    return angles.cos(), angles.sin()


def _rotate(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    x1, x2 = x[..., 0::2], x[..., 1::2]  # (B, nh, T, hs/2) each
    rotated = torch.stack((x1 * cos - x2 * sin, x1 * sin + x2 * cos), dim=-1)
    return rotated.flatten(-2).type_as(x)  # (B, nh, T, hs)


class CausalSelfAttention(nn.Module):
    def __init__(self, d_model: int, n_head: int) -> None:
        super().__init__()
        self.n_head = n_head
        self.c_attn = nn.Linear(d_model, 3 * d_model)
        self.c_proj = nn.Linear(d_model, d_model)

    def forward(
        self,
        x: torch.Tensor,
        rope: tuple[torch.Tensor, torch.Tensor],
        mask: torch.Tensor | None,
    ) -> torch.Tensor:
        B, T, C = x.shape
        q, k, v = self.c_attn(x).split(C, dim=2)  # (B, T, C) each
        q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)  # (B, nh, T, hs)
        k = k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        v = v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        q, k = _rotate(q, *rope), _rotate(k, *rope)
        if mask is None:
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        else:
            y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        y = y.transpose(1, 2).contiguous().view(B, T, C)  # (B, T, C)
        return self.c_proj(y)


class MLP(nn.Module):
    def __init__(self, d_model: int, d_ff: int) -> None:
        super().__init__()
        self.c_fc = nn.Linear(d_model, d_ff)
        self.gelu = nn.GELU()
        self.c_proj = nn.Linear(d_ff, d_model)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.c_proj(self.gelu(self.c_fc(x)))


class Block(nn.Module):
    def __init__(self, d_model: int, n_head: int, d_ff: int) -> None:
        super().__init__()
        self.ln_1 = nn.LayerNorm(d_model)
        self.attn = CausalSelfAttention(d_model, n_head)
        self.ln_2 = nn.LayerNorm(d_model)
        self.mlp = MLP(d_model, d_ff)

    def forward(
        self,
        x: torch.Tensor,
        rope: tuple[torch.Tensor, torch.Tensor],
        mask: torch.Tensor | None,
    ) -> torch.Tensor:
        x = x + self.attn(self.ln_1(x), rope, mask)
        return x + self.mlp(self.ln_2(x))


class Transformer(nn.Module):
    def __init__(self, d_model: int, n_layer: int, n_head: int, d_ff: int) -> None:
        super().__init__()
        self.head_size = d_model // n_head
        self.blocks = nn.ModuleList(Block(d_model, n_head, d_ff) for _ in range(n_layer))
        self.ln_f = nn.LayerNorm(d_model)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        rope = rotary_tables(x.shape[1], self.head_size, x.device)  # (T, hs/2) each
        for block in self.blocks:
            x = block(x, rope, mask)
        return self.ln_f(x)


class LSTMBody(nn.Module):
    def __init__(self, d_model: int, n_layer: int) -> None:
        super().__init__()
        self.lstm = nn.LSTM(d_model, d_model, n_layer, batch_first=True)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        y, _ = self.lstm(x)  # (B, T, d_model); each sequence starts from a zero state
        return y


class ChainHead(nn.Module):
    """genoenc's chain-rule k-mer head: ``p(kmer) = p(b1 | h) p(b2 | h, b1) ...``.

    Step 1 chooses among the 4 bases and the 4 specials (N, START, END, PAD); steps
    2..k choose a base given ``h`` and the bases so far, through one MLP shared by all
    steps over ``[h, one-hot prefix slots, one-hot step]``: ``d + 6k - 5 -> d -> 8``.
    """

    def __init__(self, d_model: int, k: int) -> None:
        super().__init__()
        self.k = k
        self.d_cond = (k - 1) * (_N_BASES + 1) + k
        self.fc = nn.Linear(d_model + self.d_cond, d_model)
        self.out = nn.Linear(d_model, 2 * _N_BASES)

    def _cond(self, prefix: torch.Tensor, step: int) -> torch.Tensor:
        shape = prefix.shape[:-1]
        slots = torch.full((*shape, self.k - 1), _N_BASES, dtype=torch.long, device=prefix.device)
        slots[..., :step] = prefix
        onehot = F.one_hot(slots, _N_BASES + 1).flatten(-2)
        step_code = F.one_hot(torch.full(shape, step, device=prefix.device), self.k)
        return torch.cat([onehot, step_code], dim=-1).float()

    def _logits(self, h_part: torch.Tensor, prefix: torch.Tensor, step: int) -> torch.Tensor:
        d = h_part.shape[-1]
        cond = self._cond(prefix, step).to(h_part.dtype)
        z = F.gelu(h_part + F.linear(cond, self.fc.weight[:, d:]))
        logits = self.out(z)
        return logits if step == 0 else logits[..., :_N_BASES]

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        """Exact log-probabilities ``(..., 4**k + 4)`` of every k-mer id, then the specials."""
        lead = h.shape[:-1]
        hp = F.linear(h, self.fc.weight[:, : h.shape[-1]], self.fc.bias)
        none = torch.zeros((*lead, 0), dtype=torch.long, device=h.device)
        first = F.log_softmax(self._logits(hp, none, 0), -1)
        paths = first[..., :_N_BASES]  # (..., 4)
        for step in range(1, self.k):
            prefixes = torch.cartesian_prod(
                *[torch.arange(_N_BASES, device=h.device)] * step
            ).reshape(-1, step)  # (4**step, step), first base most significant
            step_lp = F.log_softmax(self._logits(hp.unsqueeze(-2), prefixes, step), -1)
            paths = (paths.unsqueeze(-1) + step_lp).flatten(-2)  # (..., 4**(step + 1))
        return torch.cat([paths, first[..., _N_BASES:]], dim=-1)


class TaskModel(nn.Module):
    """Input projection, causal body, head (genoenc's ``TaskModel``)."""

    def __init__(self, config: GenoencConfig) -> None:
        super().__init__()
        self.input_proj = nn.Linear(config.d_in, config.d_model)
        self.body: nn.Module
        if config.arch == "transformer":
            self.body = Transformer(config.d_model, config.n_layer, config.n_head, config.d_ff)
        elif config.arch == "lstm":
            self.body = LSTMBody(config.d_model, config.n_layer)
        else:
            raise ValueError(f"unknown arch {config.arch!r}")
        self.head: nn.Module
        if config.head == "chain":
            self.head = ChainHead(config.d_model, config.chain_k)
        else:
            self.head = nn.Linear(config.d_model, config.target_vocab_size)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        h = self.input_proj(x)  # (B, T, d_model)
        h = self.body(h, mask)  # (B, T, d_model)
        return self.head(h)  # (B, T, V_target); the chain head gives log-probabilities


class Encoding(nn.Module):
    """The stored encoding: one vector per input id (``embedding_rows x d_in``)."""

    def __init__(self, config: GenoencConfig) -> None:
        super().__init__()
        self.embedding = nn.Embedding(config.embedding_rows, config.d_in)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return self.embedding(ids)  # (B, T, d_in)


def overlapping_kmer_ids(ids: torch.Tensor, k: int) -> torch.Tensor:
    """Base ids ``(B, T)`` -> id of the k-mer ending at each position ``(B, T)``.

    genoenc's rule (``KmerTokenizer.inputs_targets``, stride 1): a k-mer of ACGT ids is
    its base-4 number; one holding N, or reaching back past the start of the sequence
    (taken as PAD) or past START, is the N k-mer ``4**k``; when the current token is N,
    START, END or PAD the input is that special's id ``4**k + (id - 4)``.
    """
    B = ids.shape[0]
    padded = torch.cat([ids.new_full((B, k - 1), _PAD), ids], dim=1)  # (B, k - 1 + T)
    windows = padded.unfold(1, k, 1)  # (B, T, k)
    powers = _N_BASES ** torch.arange(k - 1, -1, -1, device=ids.device)  # (k,)
    kmers = (windows.clamp(max=_N_BASES - 1) * powers).sum(-1)  # (B, T)
    n_kmer = _N_BASES**k
    kmers = torch.where((windows < _N_BASES).all(-1), kmers, n_kmer)
    return torch.where(ids >= _N_BASES, n_kmer + (ids - _N_BASES), kmers)


class GenoencPreTrainedModel(PreTrainedModel):
    config_class = GenoencConfig
    base_model_prefix = "genoenc"
    main_input_name = "input_ids"

    def _init_weights(self, module: nn.Module) -> None:
        # Weights always come from the exported safetensors; nothing to initialise.
        return


class GenoencForCausalLM(GenoencPreTrainedModel, GenerationMixin):
    """Next-token logits of a genoenc model: ``input_ids (B, T)`` -> ``(B, T, V_target)``."""

    def __init__(self, config: GenoencConfig) -> None:
        super().__init__(config)
        self.encoder = Encoding(config)
        self.model = TaskModel(config)
        self.post_init()

    def get_input_embeddings(self) -> nn.Module:
        return self.encoder.embedding

    def get_output_embeddings(self) -> nn.Module:
        return self.model.head

    def _attention_mask(self, attention_mask: torch.Tensor | None) -> torch.Tensor | None:
        """A boolean ``(B, 1, T, T)`` mask: causal, minus padded keys; ``None`` if no padding."""
        if attention_mask is None or bool(attention_mask.all()):
            return None
        T = attention_mask.shape[1]
        device = attention_mask.device
        causal = torch.ones(T, T, dtype=torch.bool, device=device).tril()  # (T, T)
        keys = attention_mask.bool()[:, None, None, :]  # (B, 1, 1, T)
        # A padded query still attends to itself, so no row is empty (no NaN).
        return (causal & keys) | torch.eye(T, dtype=torch.bool, device=device)

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        **kwargs: Any,
    ) -> CausalLMOutput:
        """Logits for every position; with ``labels``, the mean next-token cross-entropy.

        Raises:
            ValueError: The sequence is longer than ``config.context``.
        """
        T = input_ids.shape[1]
        if T > self.config.context:
            raise ValueError(
                f"sequence of length {T} is longer than the model context {self.config.context}"
            )
        ids = input_ids
        if self.config.kmer_k > 1:
            ids = overlapping_kmer_ids(input_ids, self.config.kmer_k)
        mask = None if self.config.arch == "lstm" else self._attention_mask(attention_mask)
        logits = self.model(self.encoder(ids), mask)  # (B, T, V_target)
        loss = None
        if labels is not None:
            loss = F.cross_entropy(
                logits[:, :-1].flatten(0, 1).float(), labels[:, 1:].flatten(), ignore_index=-100
            )
        return CausalLMOutput(loss=loss, logits=logits)

    def prepare_inputs_for_generation(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        # No cache: every step runs the whole sequence (which must fit the context).
        return {"input_ids": input_ids, "attention_mask": attention_mask}
