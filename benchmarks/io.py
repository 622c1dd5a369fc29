"""FASTA read + tokenize throughput and peak memory: genoenc against Biopython and pysam.

Generates a FASTA file (``--mb`` MB, 60-column lines, a few records of random ACGT with
soft-masked runs and N runs), a gzip copy (``gzip -6``, as genomes are distributed) and a
bgzip copy, then times each reader turning the file
into base ids, each in a fresh subprocess so its peak RSS is its own:

* ``genoenc``: ``genoenc.io.read_fasta`` (validating the alphabet, as ``genoenc`` does)
  + the translation below, chunk by chunk;
* ``biopython``: ``Bio.SeqIO.FastaIO.SimpleFastaParser`` + the same translation, record
  by record (``gzip.open`` for the bgzip copy);
* ``pysam``: ``pysam.FastxFile`` + the same translation, record by record;
* ``genoenc (zlib)``: ``genoenc`` with gzip decoded by the standard library's ``zlib``
  instead of python-isal (``genoenc.io._open.GZIP_BACKEND``), to show what isal buys;
* ``genoenc tokenize (CLI)``: the whole command, ``genoenc tokenize --fasta FILE -o STORE``,
  timed from process start to exit (interpreter start, imports, provenance sha256,
  validation, tokenizing and the written, fsynced store included; sha256 and store
  writes run on two more threads, so its CPU s can exceed its wall s). Its ``x pysam`` is
  the acceptance figure of issue 13 (at least 1.5x ``pysam`` with ``--translate bytes``).

The translation is ``genoenc.tokenize.build_tokenizer(TokenizerConfig(k=1)).encode``
(``--translate tokenizer``, the default), or ``bytes.translate`` with
``genoenc.tokenize.vocab.TRANSLATE`` as a 256-byte table (``--translate bytes``), the
fastest pure-Python way to the same ids. MB/s is uncompressed FASTA bytes per wall
second of the reading loop (interpreter start and imports excluded).

A second measurement reads a FASTA whose single record is ``--big-mb`` MB with genoenc
alone: its peak RSS must not grow with the record (target below 300 MiB).

    python benchmarks/io.py [--mb 500] [--big-mb 1000] [--workdir DIR] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a checkout without installing

MB = 1_000_000
LINE_WIDTH = 60
ZLIB = "genoenc (zlib)"
TOOLS = ("genoenc", ZLIB, "genoenc tokenize (CLI)", "biopython", "pysam")
CLI = "genoenc tokenize (CLI)"
PEERS = ("biopython", "pysam")


# --- data -----------------------------------------------------------------------------------------


def _record_bases(rng: np.random.Generator, length: int, block: int) -> Iterator[np.ndarray]:
    """Random ACGT in blocks; ~30% soft-masked in runs of 1,000, ~1% N in runs of 1,000."""
    letters = np.frombuffer(b"ACGT", dtype=np.uint8)
    done = 0
    while done < length:
        size = min(block, length - done)
        bases = letters[rng.integers(0, 4, size=size, dtype=np.uint8)]
        runs = -(-size // 1000)
        masked = np.repeat(rng.choice([True, False], size=runs, p=[0.3, 0.7]), 1000)[:size]
        bases[masked] += 32  # lowercase
        n_runs = np.repeat(rng.choice([True, False], size=runs, p=[0.01, 0.99]), 1000)[:size]
        bases[n_runs] = ord("N")
        yield bases
        done += size


def write_fasta(path: Path, total_mb: float, records: int, seed: int = 0) -> None:
    """Write about ``total_mb`` MB of FASTA in ``records`` records of 60-column lines."""
    rng = np.random.default_rng(seed)
    per_record = int(total_mb * MB / records * LINE_WIDTH / (LINE_WIDTH + 1))
    block = LINE_WIDTH * (1 << 17)  # a multiple of the line width
    with open(path, "wb") as out:
        for index in range(records):
            out.write(f">rec{index + 1} synthetic random sequence\n".encode())
            for bases in _record_bases(rng, per_record, block):
                full = len(bases) - len(bases) % LINE_WIDTH
                lines = np.full((full // LINE_WIDTH, LINE_WIDTH + 1), ord("\n"), np.uint8)
                lines[:, :LINE_WIDTH] = bases[:full].reshape(-1, LINE_WIDTH)  # (lines, 61)
                out.write(lines.tobytes())
                if full < len(bases):
                    out.write(bases[full:].tobytes() + b"\n")


def write_gzip(plain: Path, packed: Path) -> None:
    """gzip ``plain`` into ``packed`` at level 6 (the ``gzip`` command's default)."""
    import shutil

    if shutil.which("gzip"):
        with open(packed, "wb") as out:
            subprocess.run(["gzip", "-6", "-c", str(plain)], stdout=out, check=True)
        return
    import gzip

    with open(plain, "rb") as source, gzip.open(packed, "wb", compresslevel=6) as out:
        shutil.copyfileobj(source, out, 1 << 20)


def write_bgzip(plain: Path, packed: Path) -> None:
    """bgzip ``plain`` into ``packed`` (htslib, through pysam)."""
    import pysam

    pysam.tabix_compress(str(plain), str(packed), force=True)


# --- one measurement, in a child process ----------------------------------------------------------


def _translator(mode: str) -> tuple[Callable[[bytes], np.ndarray], bytes]:
    """The bytes -> ids function every tool uses, and the alphabet genoenc validates."""
    from genoenc.tokenize import vocab

    if mode == "tokenizer":
        from genoenc.tokenize import TokenizerConfig, build_tokenizer

        tokenizer = build_tokenizer(TokenizerConfig(k=1))
        return tokenizer.encode, tokenizer.alphabet
    table = vocab.TRANSLATE.tobytes()
    invalid = bytes([vocab.INVALID])

    def translate(seq: bytes) -> np.ndarray:
        ids = seq.translate(table)
        if invalid in ids:
            raise ValueError("unexpected character")
        return np.frombuffer(ids, dtype=np.uint8)

    alphabet = bytes(np.flatnonzero(vocab.TRANSLATE != vocab.INVALID).astype(np.uint8))
    return translate, alphabet


def _iter_sequences(tool: str, path: str, alphabet: bytes) -> Iterator[bytes]:
    if tool in ("genoenc", ZLIB):
        from genoenc.io import _open, read_fasta

        _open.GZIP_BACKEND = "zlib" if tool == ZLIB else "isal"

        for chunk in read_fasta(path, alphabet=alphabet):
            yield chunk.seq
    elif tool == "biopython":
        import gzip

        from Bio.SeqIO.FastaIO import SimpleFastaParser

        with open(path, "rb") as probe:
            packed = probe.read(2) == b"\x1f\x8b"
        with gzip.open(path, "rt") if packed else open(path) as handle:
            for _, seq in SimpleFastaParser(handle):
                yield seq.encode("ascii")
    elif tool == "pysam":
        import pysam

        with pysam.FastxFile(path) as fasta:
            for entry in fasta:
                yield (entry.sequence or "").encode("ascii")
    else:
        raise ValueError(f"unknown tool {tool!r}")


def peak_rss_kib() -> int:
    """This process's peak resident memory in KiB.

    On Linux this is ``VmHWM``: ``ru_maxrss`` survives ``exec``, so a child started
    by a large parent would report the parent's size.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak // 1024 if sys.platform == "darwin" else peak  # bytes on macOS


def run_worker(tool: str, path: str, mode: str) -> dict[str, Any]:
    """Read ``path`` with ``tool``, translating every sequence; time the loop."""
    translate, alphabet = _translator(mode)
    import_rss = peak_rss_kib()
    bases = 0
    start, cpu_start = time.perf_counter(), time.process_time()
    for seq in _iter_sequences(tool, path, alphabet):
        bases += len(translate(seq))
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "cpu_seconds": time.process_time() - cpu_start,
        "bases": bases,
        "import_rss_kib": import_rss,
        "peak_rss_kib": peak_rss_kib(),
    }


def measure_cli(path: Path) -> dict[str, Any]:
    """Time ``genoenc tokenize --fasta path -o STORE`` as a whole process; read its store."""
    with tempfile.TemporaryDirectory(prefix="genoenc-bench-store-", dir=path.parent) as folder:
        store = Path(folder) / "store"
        command = [sys.executable, "-c", "from genoenc.cli import main; main()", "tokenize"]
        command += ["--fasta", str(path), "-o", str(store)]
        start = time.perf_counter()
        child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode:
            assert child.stderr is not None
            raise SystemExit(f"genoenc tokenize failed: {child.stderr.read().decode()}")
        index = json.loads((store / "index.json").read_text())
    return {
        "seconds": seconds,
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
        "bases": index["n_tokens"] - 2 * len(index["records"]),  # less START and END
        "import_rss_kib": None,
        "peak_rss_kib": usage.ru_maxrss,
    }


def measure(tool: str, path: Path, mode: str) -> dict[str, Any]:
    """Run one measurement in a fresh interpreter and return its result."""
    if tool == CLI:
        return measure_cli(path)
    command = [sys.executable, __file__, "--worker", tool, str(path), "--translate", mode]
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


# --- the table ------------------------------------------------------------------------------------


def versions() -> str:
    import Bio
    import isal
    import pysam

    import genoenc

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            cpu = next(line.split(":", 1)[1].strip() for line in info if "model name" in line)
    except (OSError, StopIteration):
        pass
    return (
        f"machine: {cpu}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()} | "
        f"python {platform.python_version()} | numpy {np.__version__} | pysam {pysam.__version__}"
        f" | biopython {Bio.__version__} | isal {isal.__version__} | genoenc {genoenc.__version__}"
    )


COLUMNS = (
    ("tool", "tool", "<"),
    ("input", "input", "<"),
    ("MB/s", "mb_per_s", ">"),
    ("wall s", "seconds", ">"),
    ("CPU s", "cpu_seconds", ">"),
    ("peak RSS MiB", "peak_rss_mib", ">"),
    ("RSS after imports MiB", "import_rss_mib", ">"),
    ("x fastest peer", "vs_fastest_peer", ">"),
    ("x pysam", "vs_pysam", ">"),
    ("x pysam (CPU s)", "vs_pysam_cpu", ">"),
)


def format_table(rows: list[dict[str, Any]]) -> str:
    """Rows as a right-aligned text table with units in the headers."""

    def cell(row: dict[str, Any], key: str) -> str:
        value = row.get(key)
        if value is None:
            return "-"
        if key == "mb_per_s":
            return f"{value:,.0f}"
        if key in ("peak_rss_mib", "import_rss_mib"):
            return f"{value:,.0f}"
        if key in ("seconds", "cpu_seconds"):
            return f"{value:,.2f}"
        if key in ("vs_fastest_peer", "vs_pysam", "vs_pysam_cpu"):
            return f"{value:.2f}x"
        return str(value)

    cells = [[header for header, _, _ in COLUMNS]]
    cells += [[cell(row, key) for _, key, _ in COLUMNS] for row in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(COLUMNS))]
    lines = []
    for number, line in enumerate(cells):
        parts = [
            text.ljust(width) if align == "<" else text.rjust(width)
            for text, width, (_, _, align) in zip(line, widths, COLUMNS, strict=True)
        ]
        lines.append("  ".join(parts))
        if number == 0:
            lines.append("  ".join("-" * width for width in widths))
    return "\n".join(lines)


def _row(tool: str, label: str, size: int, result: dict[str, Any], mode: str) -> dict[str, Any]:
    return {
        "tool": tool,
        "input": label,
        "translate": mode,
        "bytes": size,
        "bases": result["bases"],
        "seconds": result["seconds"],
        "cpu_seconds": result["cpu_seconds"],
        "mb_per_s": size / MB / result["seconds"],
        "peak_rss_mib": result["peak_rss_kib"] / 1024,
        "import_rss_mib": None
        if result["import_rss_kib"] is None
        else result["import_rss_kib"] / 1024,
    }


def run(args: argparse.Namespace, workdir: Path) -> list[dict[str, Any]]:
    plain = workdir / f"bench_{args.mb:g}MB.fa"
    packed = workdir / f"bench_{args.mb:g}MB.fa.gz"
    if not plain.exists() or args.regenerate:
        _log(f"writing {plain} ({args.mb:g} MB, {args.records} records)")
        write_fasta(plain, args.mb, args.records)
        packed.unlink(missing_ok=True)
        (workdir / f"bench_{args.mb:g}MB.gzip.fa.gz").unlink(missing_ok=True)
    inputs = [(plain, "plain")]
    if not args.plain_only:
        if not packed.exists():
            _log(f"writing {packed} (bgzip)")
            write_bgzip(plain, packed)
        gzipped = workdir / f"bench_{args.mb:g}MB.gzip.fa.gz"
        if not gzipped.exists():
            _log(f"writing {gzipped} (gzip -6)")
            write_gzip(plain, gzipped)
        inputs += [(gzipped, "gzip"), (packed, "bgzip")]
    size = plain.stat().st_size
    tools = [tool for tool in TOOLS if tool in args.tools]
    rows: list[dict[str, Any]] = []
    for path, label in inputs:
        best: dict[str, dict[str, Any]] = {}
        # Round robin, so a change in the machine's load hits every tool alike.
        for _ in range(args.repeat):
            for tool in tools:
                _log(f"{tool} on {label} ...")
                result = measure(tool, path, args.translate)
                if tool not in best or result["seconds"] < best[tool]["seconds"]:
                    best[tool] = result
        group = [_row(tool, label, size, best[tool], args.translate) for tool in tools]
        if len({row["bases"] for row in group}) != 1:
            raise SystemExit(f"tools disagree on the base count: {[r['bases'] for r in group]}")
        peers = [row["mb_per_s"] for row in group if row["tool"] in PEERS]
        pysam = next((row for row in group if row["tool"] == "pysam"), None)
        pysam_rate = None if pysam is None else pysam["mb_per_s"]
        for row in group:
            if row["tool"] in ("genoenc", ZLIB, CLI) and peers:
                row["vs_fastest_peer"] = row["mb_per_s"] / max(peers)
            if row["tool"] in ("genoenc", ZLIB, CLI) and pysam is not None and pysam_rate:
                row["vs_pysam"] = row["mb_per_s"] / pysam_rate
                row["vs_pysam_cpu"] = pysam["cpu_seconds"] / row["cpu_seconds"]
        rows += group
    if args.big_mb > 0:
        big = workdir / f"bench_1record_{args.big_mb:g}MB.fa"
        if not big.exists() or args.regenerate:
            _log(f"writing {big} (one record of {args.big_mb:g} MB)")
            write_fasta(big, args.big_mb, records=1, seed=1)
        _log("genoenc on the one-record file ...")
        result = measure("genoenc", big, args.translate)
        label = f"plain, 1 record of {big.stat().st_size / MB:,.0f} MB"
        rows.append(_row("genoenc", label, big.stat().st_size, result, args.translate))
    return rows


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=float, default=500, help="size of the FASTA in MB (500)")
    parser.add_argument("--records", type=int, default=4, help="records in it (4)")
    parser.add_argument(
        "--big-mb", type=float, default=1000, help="size of the one-record FASTA (1000; 0: skip)"
    )
    parser.add_argument("--workdir", type=Path, help="keep the generated files here")
    parser.add_argument("--regenerate", action="store_true", help="rewrite existing files")
    parser.add_argument("--repeat", type=int, default=1, help="runs per row; the fastest counts")
    parser.add_argument("--translate", choices=("tokenizer", "bytes"), default="tokenizer")
    parser.add_argument(
        "--tools",
        type=lambda text: text.split(","),
        default=list(TOOLS),
        help=f"comma-separated subset of: {', '.join(TOOLS)}",
    )
    parser.add_argument("--plain-only", action="store_true", help="skip the bgzip copy")
    parser.add_argument("--json", type=Path, help="also write the rows to this JSON file")
    parser.add_argument("--worker", nargs=2, metavar=("TOOL", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        tool, path = args.worker
        print(json.dumps(run_worker(tool, path, args.translate)))
        return 0

    load_before = os.getloadavg()
    if args.workdir is not None:
        args.workdir.mkdir(parents=True, exist_ok=True)
        rows = run(args, args.workdir)
    else:
        with tempfile.TemporaryDirectory(prefix="genoenc-bench-io-") as folder:
            rows = run(args, Path(folder))
    load = f"load average (1, 5, 15 min) before {load_before}, after {os.getloadavg()}"
    translation = {
        "tokenizer": "genoenc.tokenize build_tokenizer(TokenizerConfig(k=1)).encode",
        "bytes": "bytes.translate with genoenc.tokenize.vocab.TRANSLATE",
    }[args.translate]
    print(versions())
    print(
        f"FASTA read + tokenize, one core; translation: {translation}; the CLI row hashes "
        "(sha256) and writes its store on two more threads: CPU s counts all of them"
    )
    print(load)
    print(format_table(rows))
    if args.json is not None:
        meta = {"versions": versions(), "translate": translation, "load": load}
        args.json.write_text(json.dumps({"meta": meta, "rows": rows}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
