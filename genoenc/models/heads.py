"""Output heads of the task model: hidden states ``(B, T, d)`` -> the next target.

The default head is a linear layer, one logit per target id (every id has its own output
row; :func:`softmax_nats` scores it). For non-overlapping k-mers, :class:`ChainHead`
predicts the next k-mer as k successive bases (the chain rule): its parameters are shared
across the ``4**k`` k-mers, so a k-mer seen rarely in training still gets a sensible
probability from the bases it shares with others, and the probability of every k-mer is
exact, so bits per base are too.
"""

from __future__ import annotations

import itertools

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["ChainHead", "softmax_nats"]

_BASES = 4
#: Specials that follow the 4**k k-mer ids: N, START, END, PAD (DESIGN's vocabulary).
_SPECIALS = 4


def softmax_nats(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Cross-entropy ``(B, T)`` of targets ``y (B, T)`` under ``logits (B, T, V)``, in float32."""
    flat = F.cross_entropy(logits.flatten(0, 1).float(), y.flatten(), reduction="none")
    return flat.view(y.shape)


class ChainHead(nn.Module):
    """The next k-mer as k base predictions: ``p(kmer) = p(b1 | h) p(b2 | h, b1) ...``.

    Step 1 chooses among the 4 bases and the 4 specials (N, START, END, PAD: a special
    ends the token); steps 2..k choose a base given ``h`` and the bases chosen so far.
    Every step is one small MLP over ``[h, one-hot of the prefix, one-hot of the step]``,
    shared by all k-mers: ``d + 6k - 5 -> d -> 8`` (step 1 uses all 8 outputs, later
    steps the first 4). The product with ``h`` is computed once for all steps.

    Args:
        d_model: Width of the hidden states.
        k: Bases per target k-mer (target ids ``0 .. 4**k + 3`` as in DESIGN).
    """

    def __init__(self, d_model: int, k: int) -> None:
        super().__init__()
        if k < 2:
            raise ValueError(f"a chain head needs k >= 2 (got {k})")
        self.k = k
        # Prefix slots: k-1 bases, each one-hot over 4 bases + "not chosen yet"; plus the step.
        self.d_cond = (k - 1) * (_BASES + 1) + k
        self.fc = nn.Linear(d_model + self.d_cond, d_model)
        self.out = nn.Linear(d_model, _BASES + _SPECIALS)
        digits = [_BASES ** (k - 1 - j) for j in range(k)]
        self.digits: torch.Tensor
        self.register_buffer("digits", torch.tensor(digits), persistent=False)

    @property
    def n_kmers(self) -> int:
        """The number of all-ACGT k-mers, ``4**k`` (the first special's id)."""
        return int(_BASES**self.k)

    def _cond(self, prefix: torch.Tensor, step: int) -> torch.Tensor:
        """``prefix (..., step)`` bases -> the conditioning vector ``(..., d_cond)``."""
        shape = prefix.shape[:-1]
        slots = torch.full((*shape, self.k - 1), _BASES, dtype=torch.long, device=prefix.device)
        slots[..., :step] = prefix
        onehot = F.one_hot(slots, _BASES + 1).flatten(-2)
        step_code = F.one_hot(torch.full(shape, step, device=prefix.device), self.k)
        return torch.cat([onehot, step_code], dim=-1).float()

    def _h_part(self, h: torch.Tensor) -> torch.Tensor:
        """The hidden state's share of the first layer, computed once for every step."""
        return F.linear(h, self.fc.weight[:, : h.shape[-1]], self.fc.bias)

    def _logits(self, h_part: torch.Tensor, prefix: torch.Tensor, step: int) -> torch.Tensor:
        """Logits ``(..., 8)`` of step ``step`` (0-based) given ``prefix (..., step)``."""
        d = h_part.shape[-1]
        cond = self._cond(prefix, step).to(h_part.dtype)
        z = F.gelu(h_part + F.linear(cond, self.fc.weight[:, d:]))
        logits = self.out(z)
        return logits if step == 0 else logits[..., :_BASES]

    def _bases(self, y: torch.Tensor) -> torch.Tensor:
        """k-mer ids ``(...)`` -> their bases ``(..., k)`` (specials give 0s, unused)."""
        kmer = torch.where(y < self.n_kmers, y, torch.zeros_like(y))
        return (kmer.unsqueeze(-1) // self.digits) % _BASES

    def nats(self, h: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Cross-entropy ``(B, T)``: ``-log p(y)``, summed over the chain's steps."""
        bases = self._bases(y)  # (B, T, k)
        is_kmer = y < self.n_kmers
        first = torch.where(is_kmer, bases[..., 0], y - self.n_kmers + _BASES)
        hp = self._h_part(h)
        total = softmax_nats(self._logits(hp, bases[..., :0], 0), first)
        for step in range(1, self.k):
            step_nats = softmax_nats(self._logits(hp, bases[..., :step], step), bases[..., step])
            total = total + torch.where(is_kmer, step_nats, torch.zeros_like(step_nats))
        return total

    def log_probs(self, h: torch.Tensor) -> torch.Tensor:
        """Exact log-probabilities ``(..., 4**k + 4)`` of every target id.

        Enumerates every prefix: ``(4**k - 1) / 3`` evaluations of the step MLP per
        position (on top of one shared product with ``h``).
        """
        lead = h.shape[:-1]
        hp = self._h_part(h)
        none = torch.zeros((*lead, 0), dtype=torch.long, device=h.device)
        first = F.log_softmax(self._logits(hp, none, 0), -1)
        paths = first[..., :_BASES]  # (..., 4): log p of each 1-base prefix
        for step in range(1, self.k):
            prefixes = torch.tensor(
                list(itertools.product(range(_BASES), repeat=step)), device=h.device
            )  # (4**step, step), first base most significant, as in the k-mer ids
            step_lp = F.log_softmax(self._logits(hp.unsqueeze(-2), prefixes, step), -1)
            paths = (paths.unsqueeze(-1) + step_lp).flatten(-2)  # (..., 4**(step + 1))
        return torch.cat([paths, first[..., _BASES:]], dim=-1)

    def predict(self, h: torch.Tensor) -> torch.Tensor:
        """A top-1 target id ``(B, T)`` by greedy decoding: the most probable first symbol,
        then the most probable base at each later step given the bases chosen.

        This is the k-mer a base-by-base reader would write down; it can differ from the
        argmax of :meth:`log_probs` (which costs ``4**k / 3`` step evaluations a position),
        and ``accuracy`` of chain-head runs is measured with it.
        """
        hp = self._h_part(h)
        prefix = torch.zeros((*h.shape[:-1], 0), dtype=torch.long, device=h.device)
        first = self._logits(hp, prefix, 0).argmax(-1)
        prefix = first.clamp(max=_BASES - 1).unsqueeze(-1)
        for step in range(1, self.k):
            choice = self._logits(hp, prefix, step).argmax(-1)
            prefix = torch.cat([prefix, choice.unsqueeze(-1)], dim=-1)
        kmer = (prefix * self.digits).sum(-1)
        return torch.where(first < _BASES, kmer, first - _BASES + self.n_kmers)
