"""Per-base bits of a trained run over whole records or regions, streamed.

Each record (or region, read as a record of its own, as ``genoenc eval`` and training
read regions) is framed ``START bases END`` and scored with a sliding window of the
model's context ``T``:

* the first window feeds START and the first ``T - 1`` bases, so each of the first
  ``T`` targets is scored with exactly START + all bases before it;
* every later window moves ``stride`` tokens on (default ``T // 2``) and scores only
  its last ``stride`` targets, so every later base sees at least ``T - stride``
  tokens of context. ``stride = T`` reproduces the non-overlapping windows of
  ``genoenc eval`` (each window's context restarts); ``stride = 1`` gives every base
  the full ``T`` (and costs ``T`` times more).

Only ACGT targets get a value (N, and k-mers holding N, are never scored, as in
training); END is scored by the model but is not a base, so it appears in no track and
in no total. With non-overlapping k-mers each base of a k-mer gets the k-mer's bits
divided by k. Memory holds one chunk of the reader plus a batch of windows, whatever
the record's length.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from genoenc.errors import ConfigError
from genoenc.export._run import TrainedRun
from genoenc.io import Chunk

__all__ = ["RecordTotals", "ScoreConfig", "TargetBits", "score_chunks", "window_plan"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class ScoreConfig:
    """How a run scores sequence.

    Attributes:
        stride: Targets newly scored per window (1..context); ``None``: ``context // 2``.
        batch_size: Windows per forward pass.
        device: ``cpu``, ``cuda``, ``mps`` (the model is moved there).
    """

    stride: int | None = None
    batch_size: int = 64
    device: str = "cpu"

    def resolved_stride(self, context: int) -> int:
        """The stride for a model of ``context`` tokens.

        >>> ScoreConfig().resolved_stride(256), ScoreConfig(stride=256).resolved_stride(256)
        (128, 256)
        """
        stride = max(1, context // 2) if self.stride is None else self.stride
        if not 1 <= stride <= context:
            raise ConfigError(f"score.stride must be in 1..{context} (the context; got {stride})")
        return stride


def window_plan(n_tokens: int, context: int, stride: int) -> Iterator[tuple[int, int, int]]:
    """The windows that score a record of ``n_tokens`` store ids (START ... END).

    Yields:
        ``(p, lo, hi)``: the window's inputs are tokens ``p .. p + context - 1``; it
        scores targets at token positions ``lo .. hi - 1`` (target ``t`` is predicted
        from tokens ``< t``). The ``lo .. hi`` ranges tile ``1 .. n_tokens - 1``.

    >>> list(window_plan(10, 4, 2))
    [(0, 1, 5), (2, 5, 7), (4, 7, 9), (6, 9, 10)]
    >>> list(window_plan(6, 4, 4))
    [(0, 1, 5), (4, 5, 6)]
    """
    if n_tokens < 2:
        return
    hi = min(context + 1, n_tokens)
    yield 0, 1, hi
    p = 0
    while hi < n_tokens:
        p += stride
        lo, hi = hi, min(p + context + 1, n_tokens)
        yield p, lo, hi


@dataclass(frozen=True)
class TargetBits:
    """Model bits of one record's scored targets at known token positions.

    Attributes:
        record: The record's name as read (regions: ``chr:start-end``).
        positions: int64 token positions of the targets (1 = the first base / k-mer).
        targets: Their store ids.
        bits: float64 bits of each target under the model.
    """

    record: str
    positions: np.ndarray
    targets: np.ndarray
    bits: np.ndarray


@dataclass
class RecordTotals:
    """Running totals of one record: ACGT bases scored and their bits."""

    record: str
    contig: str
    start: int
    bases: int = 0
    bits: float = 0.0
    markov_bits: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self, markov: bool) -> dict[str, Any]:
        """JSON-ready summary (bits per base are NaN when no base was scored)."""
        result: dict[str, Any] = {
            "record": self.record,
            "contig": self.contig,
            "start": self.start,
            "bases_scored": self.bases,
            "bits": self.bits,
            "bits_per_base": self.bits / self.bases if self.bases else math.nan,
        }
        if markov:
            result["markov_bits_per_base"] = (
                self.markov_bits / self.bases if self.bases else math.nan
            )
        return result


class _RecordBuffer:
    """Store ids of the record being read, from token position ``origin`` on."""

    def __init__(self, dtype: np.dtype[Any]) -> None:
        self.ids = np.zeros(0, dtype=dtype)
        self.origin = 0
        self.done = False

    @property
    def end(self) -> int:
        """One past the last token position held."""
        return self.origin + self.ids.size

    def extend(self, ids: np.ndarray) -> None:
        self.ids = np.concatenate([self.ids, ids]) if self.ids.size else ids.copy()

    def drop_before(self, position: int) -> None:
        cut = max(0, position - self.origin)
        if cut:
            self.ids = self.ids[cut:]
            self.origin += cut

    def window(self, start: int, length: int, pad_id: int) -> np.ndarray:
        """Ids at positions ``start .. start + length - 1``, PAD outside the record."""
        out = np.full(length, pad_id, dtype=np.int64)
        lo, hi = max(start, self.origin), min(start + length, self.end)
        if hi > lo:
            out[lo - start : hi - start] = self.ids[lo - self.origin : hi - self.origin]
        return out


@dataclass
class _NextWindow:
    """The next window of :func:`window_plan` over the record being read: input start
    ``p`` and kept targets ``lo .. hi - 1``."""

    p: int
    lo: int
    hi: int


def _ready_windows(
    buffer: _RecordBuffer, nxt: _NextWindow, context: int, stride: int
) -> Iterator[tuple[int, int, int]]:
    """Windows whose last input token (p + T - 1) and last kept target are in the buffer."""
    while True:
        p, lo, hi = nxt.p, nxt.lo, nxt.hi
        if lo >= hi:
            return
        if not buffer.done and p + context + 1 > buffer.end:
            return
        yield p, lo, hi
        # Advance to the next window of window_plan().
        next_p = p + stride
        next_hi = next_p + context + 1
        if buffer.done:
            next_hi = min(next_hi, buffer.end)
        nxt.p, nxt.lo, nxt.hi = next_p, hi, next_hi


def _batch_bits(
    run: TrainedRun, device: torch.device, pending: list[tuple[str, np.ndarray, int, int, int]]
) -> Iterator[TargetBits]:
    """One model pass over the pending windows; the kept targets of each, in order."""
    windows = np.stack([item[1] for item in pending])  # (B, history + T + 1)
    inputs, targets = run.tokenizer.inputs_targets(windows)  # (B, T) each
    x = torch.from_numpy(inputs).to(device)
    y = torch.from_numpy(targets).to(device)
    with torch.no_grad():
        # The model's own loss of each target (what evaluation sums), never all V logits:
        # the chain head scores a k-mer from its k base steps.
        nats = run.model(run.encoder(x), y).float()  # (B, T)
    bits_all = nats.double().cpu().numpy() / math.log(2)
    for row, (record, _, p, lo, hi) in enumerate(pending):
        # Target t sits at window column t - p - 1.
        cols = np.arange(lo - p - 1, hi - p - 1)
        yield TargetBits(
            record,
            np.arange(lo, hi, dtype=np.int64),
            targets[row, cols],
            bits_all[row, cols],
        )


def score_chunks(
    run: TrainedRun,
    chunks: Iterable[Chunk],
    cfg: ScoreConfig,
    progress: Callable[[int], None] | None = None,
) -> Iterator[TargetBits]:
    """Model bits of every scored target of every record in ``chunks``, streamed.

    Args:
        run: A trained DNA run (see :func:`genoenc.export.load_trained_run`).
        chunks: Reader chunks (``read_fasta`` / ``read_fasta_regions``), in order.
        cfg: Stride, batch size, device.
        progress: Called with the number of targets scored so far.

    Yields:
        One :class:`TargetBits` per window's kept targets, in record and position order.

    Raises:
        ConfigError: The run is not a DNA run, or the stride is out of range.
    """
    tok = run.tokenizer
    if tok.unit_name != "base":
        raise ConfigError(
            f"genoenc score scores DNA runs (this run's tokenizer is {tok.config.kind!r})"
        )
    context = run.config.window.context
    stride = cfg.resolved_stride(context)
    history = tok.history
    device = torch.device(cfg.device)
    run.encoder.to(device)
    run.model.to(device)
    pending: list[tuple[str, np.ndarray, int, int, int]] = []  # record, window, p, lo, hi
    scored_so_far = 0

    def flush() -> Iterator[TargetBits]:
        nonlocal scored_so_far
        if not pending:
            return
        for part in _batch_bits(run, device, pending):
            yield part
            scored_so_far += part.positions.size
        pending.clear()
        if progress is not None:
            progress(scored_so_far)

    record: str | None = None
    buffer = _RecordBuffer(tok.store_dtype)
    nxt = _NextWindow(0, 1, context + 1)
    for chunk, ids in tok.encode_chunks(chunks):
        if chunk.first:
            record = chunk.name
            buffer = _RecordBuffer(tok.store_dtype)
            nxt = _NextWindow(0, 1, context + 1)
        assert record is not None
        buffer.extend(ids)
        buffer.done = chunk.last
        if buffer.done:
            nxt.hi = min(nxt.hi, buffer.end)
        for p, lo, hi in _ready_windows(buffer, nxt, context, stride):
            window = buffer.window(p - history, history + context + 1, tok.pad_id)
            pending.append((record, window, p, lo, hi))
            if len(pending) >= cfg.batch_size:
                yield from flush()
        buffer.drop_before(nxt.p - history)
        if buffer.done:
            yield from flush()  # a record's targets come out before the next record's
            record = None
    yield from flush()
