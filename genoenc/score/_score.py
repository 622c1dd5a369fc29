"""``score_run``: per-base bits of a trained run over a FASTA, written as tracks."""

from __future__ import annotations

import logging
import math
import os
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from genoenc.baselines.markov import MarkovModel
from genoenc.data import collect_windows
from genoenc.errors import ConfigError, InputError
from genoenc.export._run import TrainedRun, load_trained_run
from genoenc.io import Chunk, Region, parse_region, read_bed, read_fasta, read_fasta_regions
from genoenc.tokenize.vocab import DNA_VOCAB_SIZE, N_BASES, START, TRANSLATE
from genoenc.train.references import base_segments
from genoenc.train.sources import open_piece_source

from ._tracks import RecordTotals, ScoreConfig, TargetBits, score_chunks
from ._writers import BedGraphWriter, BigWigWriter, is_bigwig, open_track, track_path

__all__ = ["fit_run_markov", "score_run"]

logger = logging.getLogger(__name__)


def fit_run_markov(run: TrainedRun) -> MarkovModel:
    """The run's best Markov model: its chosen order, fitted on its own train split.

    The same sample the run's reference was fitted on (the first windows of the train
    split, up to ``train.ref_train_tokens``), at the order chosen on validation
    (``metrics.reference.markov_order``).
    """
    cfg, tok = run.config, run.tokenizer
    order = int(run.metrics["reference"]["markov_order"])
    try:
        train = collect_windows(
            open_piece_source(cfg, tok),
            cfg.split,
            cfg.window,
            tok,
            "train",
            cfg.train.ref_train_tokens,
        )
    except InputError as exc:
        raise InputError(
            str(run.path), f"--markov refits the run's Markov model on its training data: {exc}"
        ) from None
    segments, mask = base_segments(tok, train)
    return MarkovModel.fit(segments, order, vocab_size=DNA_VOCAB_SIZE, scored_mask=mask)


class _BaseTee:
    """Passes chunks through and keeps the current record's base ids (START at 0)."""

    def __init__(self, chunks: Iterable[Chunk]) -> None:
        self._chunks = chunks
        self.record: str | None = None
        self.bases = np.zeros(0, dtype=np.int64)
        self.origin = 0  # base-stream position of bases[0]

    def __iter__(self) -> Iterator[Chunk]:
        for chunk in self._chunks:
            ids = TRANSLATE[np.frombuffer(chunk.seq, dtype=np.uint8)].astype(np.int64)
            if chunk.first:
                self.record = chunk.name
                self.bases = np.concatenate([[START], ids])
                self.origin = 0
            else:
                self.bases = np.concatenate([self.bases, ids])
            yield chunk

    def segment(self, lo: int, hi: int, order: int) -> tuple[np.ndarray, np.ndarray]:
        """Base ids from ``lo - order`` (or 0) to ``hi`` and the mask of ``lo .. hi - 1``."""
        first = max(0, lo - order)
        if first < self.origin:
            raise RuntimeError("base positions asked for were already dropped")
        seg = self.bases[first - self.origin : hi - self.origin]
        mask = np.zeros(seg.size, dtype=bool)
        mask[lo - first :] = seg[lo - first :] < N_BASES
        return seg, mask

    def drop_before(self, position: int) -> None:
        cut = max(0, position - self.origin)
        if cut:
            self.bases = self.bases[cut:]
            self.origin += cut


def _fai_sizes(path: str) -> list[tuple[str, int]] | None:
    fai = Path(path + ".fai")
    if not fai.exists():
        return None
    sizes = []
    for line in fai.read_text().splitlines():
        fields = line.split("\t")
        if len(fields) >= 2:
            sizes.append((fields[0], int(fields[1])))
    return sizes


def _contig_sizes(fasta: str) -> list[tuple[str, int]]:
    """Contig lengths in file order: from the ``.fai``, else by reading the file once."""
    sizes = _fai_sizes(fasta)
    if sizes is not None:
        return sizes
    logger.info("%s: no .fai; reading it once for the contig lengths bigWig needs", fasta)
    lengths: dict[str, int] = {}
    for chunk in read_fasta(fasta):
        lengths[chunk.name] = lengths.get(chunk.name, 0) + len(chunk.seq)
    return list(lengths.items())


def _inputs(
    fasta: str, regions: list[Region]
) -> tuple[Iterator[Chunk], Callable[[str], tuple[str, int]]]:
    """The chunk stream and a map from record name to (contig, 0-based offset)."""
    if not regions:
        return read_fasta(fasta), lambda name: (name, 0)
    located = {str(region): (region.contig, region.start) for region in regions}
    return read_fasta_regions(fasta, regions), located.__getitem__


def score_run(
    run: str | os.PathLike[str],
    fasta: str,
    out: str | os.PathLike[str],
    *,
    regions: Iterable[str | Region] = (),
    bed: str | None = None,
    markov: bool = False,
    cfg: ScoreConfig | None = None,
    progress: Callable[[int], None] | None = None,
    bigwig_zooms: int = 10,
) -> dict[str, Any]:
    """Score every ACGT base of ``fasta`` (or of its regions) with the run's model.

    Args:
        run: A finished DNA run directory.
        fasta: A FASTA file (plain, gzip or bgzip; regions need a ``.fai``, bgzip a ``.gzi``).
        out: The track: bedGraph, or bigWig when it ends in ``.bw``/``.bigwig``.
        regions: samtools-style regions (1-based inclusive) or :class:`Region` objects.
        bed: A BED file of regions (0-based half-open), after ``regions``.
        markov: Also write the run's best Markov model's bits (``OUT.markov``) and the
            gain ``markov - model`` (``OUT.gain``: positive where the model's context helps).
        cfg: Stride, batch size and device (see :class:`ScoreConfig`).
        progress: Called with the number of targets scored so far.
        bigwig_zooms: Zoom levels of a bigWig (libBigWig holds them in memory until the
            file is closed, about 13 bytes per base at 10; 0 keeps memory flat).

    Returns:
        JSON-ready totals: ``bases_scored``, ``bits_per_base`` (and the Markov ones),
        per record, the tracks written, the stride, seconds.

    Raises:
        ConfigError: Not a DNA run, a bad stride, or bigWig without pyBigWig.
        InputError: Unreadable input; regions out of order for bigWig.
        RegionError: A region outside its contig.
    """
    cfg = cfg or ScoreConfig()
    started = time.perf_counter()
    trained = _load_dna_run(run)
    wanted = [parse_region(r) if isinstance(r, str) else r for r in regions]
    wanted += read_bed(bed) if bed is not None else []
    chunks, locate = _inputs(fasta, wanted)
    out = Path(out)
    sizes = _contig_sizes(fasta) if is_bigwig(out) else None
    markov_model = fit_run_markov(trained) if markov else None
    order = markov_model.order if markov_model is not None else 0
    name = Path(str(run)).name
    tracks = _tracks(out, name, order, markov)
    with _open_tracks(tracks, name, sizes, bigwig_zooms) as writers:
        totals = _score_into(trained, chunks, locate, writers, markov_model, cfg, progress)
    if not totals:
        raise InputError(fasta, "no base to score")
    bases = sum(r.bases for r in totals.values())
    bits = sum(r.bits for r in totals.values())
    result: dict[str, Any] = {
        "run": str(run),
        "fasta": fasta,
        "regions": [str(r) for r in wanted],
        "tracks": {key: str(path) for key, (path, _) in tracks.items()},
        "context": trained.config.window.context,
        "stride": cfg.resolved_stride(trained.config.window.context),
        "bases_scored": bases,
        "bits": bits,
        "bits_per_base": bits / bases if bases else math.nan,
        "records": [r.as_dict(markov) for r in totals.values()],
        "seconds": time.perf_counter() - started,
    }
    if markov_model is not None:
        markov_total = sum(r.markov_bits for r in totals.values())
        result["markov_order"] = order
        result["markov_bits_per_base"] = markov_total / bases if bases else math.nan
    return result


def _tracks(out: Path, name: str, order: int, markov: bool) -> dict[str, tuple[Path, str]]:
    """Path and description of each track: the model's, then the Markov one and the gain."""
    tracks = {"model": (out, f"genoenc {name}: bits per base")}
    if markov:
        tracks["markov"] = (track_path(out, "markov"), f"order-{order} Markov: bits per base")
        tracks["gain"] = (
            track_path(out, "gain"),
            f"order-{order} Markov bits minus {name} bits (context gain)",
        )
    return tracks


@contextmanager
def _open_tracks(
    tracks: dict[str, tuple[Path, str]],
    name: str,
    sizes: list[tuple[str, int]] | None,
    bigwig_zooms: int,
) -> Iterator[dict[str, BedGraphWriter | BigWigWriter]]:
    """The open track writers by key: closed after the block, aborted if it raises."""
    writers: dict[str, BedGraphWriter | BigWigWriter] = {}
    try:
        for key, (path, description) in tracks.items():
            writers[key] = open_track(path, f"{name} {key}", description, sizes, bigwig_zooms)
        yield writers
    except BaseException:
        for writer in writers.values():
            writer.abort()
        raise
    for writer in writers.values():
        writer.close()


def _load_dna_run(run: str | os.PathLike[str]) -> TrainedRun:
    """The finished run at ``run``; ConfigError unless its tokenizer reads DNA."""
    trained = load_trained_run(Path(run))
    if trained.tokenizer.unit_name != "base":
        raise ConfigError(
            f"genoenc score scores DNA runs (this run's tokenizer is "
            f"{trained.tokenizer.config.kind!r})"
        )
    return trained


def _score_into(
    trained: TrainedRun,
    chunks: Iterator[Chunk],
    locate: Callable[[str], tuple[str, int]],
    writers: dict[str, BedGraphWriter | BigWigWriter],
    markov_model: MarkovModel | None,
    cfg: ScoreConfig,
    progress: Callable[[int], None] | None,
) -> dict[str, RecordTotals]:
    """Score the chunks, add every scored base to the open tracks, and total per record."""
    tok = trained.tokenizer.config
    # Non-overlapping k-mers: a k-mer's bits are spread evenly over its k bases.
    k_store = tok.k if tok.k > 1 and tok.step == tok.k else 1
    # Only the Markov track needs the bases beside the model's ids (kept bounded below).
    tee = _BaseTee(chunks) if markov_model is not None else None
    totals: dict[str, RecordTotals] = {}
    for part in score_chunks(trained, tee if tee is not None else chunks, cfg, progress):
        contig, offset = locate(part.record)
        record = totals.get(part.record)
        if record is None:
            record = totals[part.record] = RecordTotals(part.record, contig, offset)
        base_pos, base_bits = _base_bits(part, k_store)
        coords = offset + base_pos - 1  # 0-based coordinates of the FASTA
        writers["model"].add(contig, coords, base_bits)
        record.bases += int(base_pos.size)
        record.bits += float(base_bits.sum())
        if markov_model is not None and tee is not None and base_pos.size:
            mbits = _markov_bits(markov_model, tee, base_pos)
            writers["markov"].add(contig, coords, mbits)
            writers["gain"].add(contig, coords, mbits - base_bits)
            record.markov_bits += float(mbits.sum())
    return totals


def _base_bits(part: TargetBits, k_store: int) -> tuple[np.ndarray, np.ndarray]:
    """Base-stream positions (START = 0, the record's first base = 1) and bits of a part."""
    if k_store > 1:
        scored = part.targets < N_BASES**k_store
        pos = (part.positions[scored, None] - 1) * k_store + 1 + np.arange(k_store)
        return pos.reshape(-1), np.repeat(part.bits[scored] / k_store, k_store)
    scored = part.targets < N_BASES
    return part.positions[scored], part.bits[scored]


def _markov_bits(markov_model: MarkovModel, tee: _BaseTee, base_pos: np.ndarray) -> np.ndarray:
    """The Markov model's bits of the bases at ``base_pos`` (then older bases are dropped)."""
    order = markov_model.order
    lo, hi = int(base_pos[0]), int(base_pos[-1]) + 1
    seg, acgt = tee.segment(lo, hi, order)
    # Score exactly the bases the model scored: every ACGT base, except those of
    # a k-mer holding N (the model scores no part of such a k-mer).
    keep = np.zeros(seg.size, dtype=bool)
    keep[base_pos - max(0, lo - order)] = True
    if np.any(keep & ~acgt):
        raise RuntimeError("the model scored a base that is not ACGT")
    mbits = markov_model.target_bits([seg], [keep])
    tee.drop_before(hi - order)
    return mbits
