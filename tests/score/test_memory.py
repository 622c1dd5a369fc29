"""``genoenc score`` streams: its peak memory does not grow with the record's length."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest


def _genome(path: Path, n_bases: int) -> None:
    rng = np.random.default_rng(0)
    letters = np.frombuffer(b"ACGT", np.uint8)
    with open(path, "wb") as out:
        out.write(b">chrSynthetic\n")
        for start in range(0, n_bases, 600_000):
            block = letters[rng.integers(0, 4, min(600_000, n_bases - start))]
            lines = block.reshape(-1, 60) if block.size % 60 == 0 else block.reshape(1, -1)
            out.write(b"\n".join(line.tobytes() for line in lines) + b"\n")


def _peak_rss_mib(args: list[str]) -> float:
    with subprocess.Popen(
        [sys.executable, "-c", "from genoenc.cli import main; main()", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    ) as child:
        _, status, usage = os.wait4(child.pid, 0)  # the child's own peak RSS
        child.returncode = os.waitstatus_to_exitcode(status)
        errors = child.stderr.read() if child.stderr else b""
    assert child.returncode == 0, errors.decode()
    return usage.ru_maxrss / 1024


@pytest.mark.slow
@pytest.mark.parametrize(("suffix", "extra"), [("bedGraph", []), ("bw", ["--bigwig-zooms", "0"])])
def test_peak_rss_is_flat_in_the_record_length(
    trained: Callable[[str], Path], tmp_path: Path, suffix: str, extra: list[str]
) -> None:
    run = trained("learned")
    peaks = []
    for n_bases in (600_000, 6_000_000):
        fasta = tmp_path / f"g{n_bases}.fa"
        _genome(fasta, n_bases)
        out = tmp_path / f"g{n_bases}.{suffix}"
        args = ["-q", "score", str(run), "--fasta", str(fasta), "-o", str(out)]
        peaks.append(_peak_rss_mib([*args, "--batch-size", "256", *extra]))
    # Ten times the bases; the genome itself would add 5.4 MB of bytes (43 MB as int64 ids).
    assert peaks[1] - peaks[0] < 20, peaks
