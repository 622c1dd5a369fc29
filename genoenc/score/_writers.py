"""Track writers: bedGraph (text, 0-based half-open) and bigWig (through pyBigWig).

Both take per-base values in coordinate order, one contig at a time, and stream them:
nothing is held beyond the current run of equal values (bedGraph) or one batch
(bigWig). Bases without a value (N, gaps) are simply absent from the track.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO, Protocol

import numpy as np

from genoenc.errors import ConfigError, InputError

__all__ = ["BedGraphWriter", "BigWigWriter", "TrackWriter", "open_track", "track_path"]

#: Significant digits written per value (bits per base to about 1e-4).
DIGITS = 5


class TrackWriter(Protocol):
    """Streams per-base values into one track file."""

    def add(self, contig: str, positions: np.ndarray, values: np.ndarray) -> None:
        """Values ``(n,)`` at 0-based ``positions`` ``(n,)`` (ascending) of ``contig``."""

    def close(self) -> None:
        """Finish and close the file."""


def track_path(out: str | os.PathLike[str], suffix: str) -> Path:
    """The path of an extra track beside ``out``: ``x.bedGraph`` -> ``x.markov.bedGraph``.

    >>> str(track_path("a/scores.bw", "gain")), str(track_path("t.bedgraph.gz", "markov"))
    ('a/scores.gain.bw', 't.markov.bedgraph.gz')
    """
    path = Path(out)
    name = path.name
    stem, dot, ext = name.partition(".")
    return path.with_name(f"{stem}.{suffix}{dot}{ext}" if dot else f"{name}.{suffix}")


def is_bigwig(out: str | os.PathLike[str]) -> bool:
    """Whether ``out`` names a bigWig (``.bw`` or ``.bigwig``)."""
    return str(out).lower().endswith((".bw", ".bigwig"))


class BedGraphWriter:
    """bedGraph lines ``contig  start  end  value``; equal neighbouring values merge."""

    def __init__(self, path: Path, name: str, description: str) -> None:
        self.path = path
        self._tmp = path.with_name(f".{path.name}.tmp")
        self._handle: IO[str] = open(self._tmp, "w", encoding="utf-8")
        self._handle.write(
            f'track type=bedGraph name="{name}" description="{description}" '
            "visibility=full autoScale=on\n"
        )
        self._run: tuple[str, int, int, str] | None = None  # contig, start, end, value text

    def add(self, contig: str, positions: np.ndarray, values: np.ndarray) -> None:
        """Append values at ascending 0-based positions of ``contig``."""
        if positions.size == 0:
            return
        texts = [f"{v:.{DIGITS}g}" for v in values.tolist()]
        lines = []
        run = self._run
        for pos, text in zip(positions.tolist(), texts, strict=True):
            if run is not None and run[0] == contig and run[2] == pos and run[3] == text:
                run = (contig, run[1], pos + 1, text)
                continue
            if run is not None:
                lines.append(f"{run[0]}\t{run[1]}\t{run[2]}\t{run[3]}\n")
            run = (contig, pos, pos + 1, text)
        self._run = run
        self._handle.write("".join(lines))

    def close(self) -> None:
        """Write the last run and move the file into place."""
        if self._run is not None:
            contig, start, end, text = self._run
            self._handle.write(f"{contig}\t{start}\t{end}\t{text}\n")
            self._run = None
        self._handle.close()
        os.replace(self._tmp, self.path)

    def abort(self) -> None:
        """Drop the unfinished file."""
        self._handle.close()
        self._tmp.unlink(missing_ok=True)


class BigWigWriter:
    """A bigWig through pyBigWig; contigs must come in the order of ``sizes``."""

    def __init__(self, path: Path, sizes: list[tuple[str, int]], zooms: int = 10) -> None:
        try:
            import pyBigWig
        except ImportError:
            raise ConfigError(
                f"{path}: bigWig output needs pyBigWig: pip install 'genoenc[bigwig]' "
                "(or write bedGraph)"
            ) from None
        self.path = path
        self._tmp = path.with_name(f".{path.name}.tmp")
        self._order = {name: i for i, (name, _) in enumerate(sizes)}
        self._last: tuple[int, int] = (-1, -1)  # contig index, next free position
        self._bw = pyBigWig.open(str(self._tmp), "w")
        # libBigWig keeps its zoom levels in memory until close (about 13 bytes per base
        # at 10 levels, measured); zooms=0 keeps memory flat and browsers read every base.
        self._bw.addHeader(sizes, maxZooms=zooms)

    def add(self, contig: str, positions: np.ndarray, values: np.ndarray) -> None:
        """Append values at ascending 0-based positions of ``contig`` (runs of span 1)."""
        if positions.size == 0:
            return
        index = self._order.get(contig)
        if index is None:
            raise InputError(str(self.path), f"contig {contig!r} is not in the FASTA index")
        first = int(positions[0])
        if (index, first) < self._last:
            raise InputError(
                str(self.path),
                f"{contig}:{first + 1}: bigWig needs regions sorted by contig (in FASTA order) "
                "and position, without overlap; write bedGraph for other orders",
            )
        # Contiguous runs of positions become fixed-step entries.
        breaks = np.flatnonzero(np.diff(positions) != 1) + 1
        for pos, vals in zip(
            np.split(positions, breaks), np.split(values.astype(np.float64), breaks), strict=True
        ):
            self._bw.addEntries(contig, int(pos[0]), values=vals.tolist(), span=1, step=1)
        self._last = (index, int(positions[-1]) + 1)

    def close(self) -> None:
        """Finish the zoom levels and index, then move the file into place."""
        self._bw.close()
        os.replace(self._tmp, self.path)

    def abort(self) -> None:
        """Drop the unfinished file."""
        try:
            self._bw.close()
        finally:
            self._tmp.unlink(missing_ok=True)


def open_track(
    out: Path,
    name: str,
    description: str,
    sizes: list[tuple[str, int]] | None,
    zooms: int = 10,
) -> BedGraphWriter | BigWigWriter:
    """A writer for ``out``: bigWig when it ends in ``.bw``/``.bigwig``, else bedGraph."""
    if is_bigwig(out):
        assert sizes is not None
        return BigWigWriter(out, sizes, zooms)
    return BedGraphWriter(out, name, description)
