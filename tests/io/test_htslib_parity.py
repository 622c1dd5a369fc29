"""FASTA/FASTQ parity with htslib: what samtools reads, genoenc reads to the same sequences.

Names follow ``samtools faidx`` (htslib's fai): leading whitespace is skipped and a bare
``>`` names the record ``""``. pysam.FastxFile (kseq) names ``> chr1`` ``""`` instead;
genoenc follows faidx so that ``--region`` (which goes through the ``.fai``) and whole-file
reads agree on every name. Sequences equal both pysam readers' wherever they can read
the file.
"""

from __future__ import annotations

import gzip
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path

import pysam
import pytest

from genoenc.io import Chunk, read_fasta, read_fastq
from tests.io._files import DNA_ALPHABET

#: name -> FASTA bytes; every one is readable by samtools/htslib.
FASTA_CASES = {
    "nameless header": b">a\nAC\n>\nGT\n",
    "nameless header with a space": b">a\nAC\n> \nGT\n",
    "leading spaces in names": b"> chr1 desc\nACGT\n>  chr2\nGG\n",
    "leading tab in a name": b">\tchr1 desc\nACGT\n",
    "description after the name": b">a x=1\tdesc\nACGTA\nCG\n",
    "CRLF line breaks": b">a\r\nAC\r\nGT\r\n>b\r\nT\r\n",
    "CRLF with a blank first line": b"\r\n>a\r\nAC\r\n",
    "lowercase and IUPAC": b">a\nacgtRYKMswbdhvN-.u\n>b\nNNNNnnnnACGT\n",
    "no final line break": b">a\nACGT\nAC",
}
#: Blank lines inside a record: FastxFile reads them, faidx refuses to index them.
FASTX_ONLY_CASES = {
    "blank lines": b"\n\n>a\nAC\n\nGT\n\n>b\nT",
}


def _records(chunks: Iterable[Chunk]) -> list[tuple[str, bytes]]:
    records: list[tuple[str, bytes]] = []
    for chunk in chunks:
        if chunk.first:
            records.append((chunk.name, b""))
        name, seq = records[-1]
        records[-1] = (name, seq + chunk.seq)
    return records


def _faidx(path: Path) -> list[tuple[str, bytes]]:
    with pysam.FastaFile(str(path)) as fasta:
        return [(name, fasta.fetch(name).encode()) for name in fasta.references]


def _fastx(path: Path) -> list[tuple[str, bytes]]:
    with pysam.FastxFile(str(path)) as fastx:
        return [(entry.name or "", (entry.sequence or "").encode()) for entry in fastx]


@pytest.mark.parametrize("case", sorted(FASTA_CASES))
@pytest.mark.parametrize("compression", ["plain", "bgzip"])
def test_fasta_reads_like_htslib(tmp_path: Path, case: str, compression: str) -> None:
    plain = tmp_path / "x.fa"
    plain.write_bytes(FASTA_CASES[case])
    path = plain
    if compression == "bgzip":
        path = tmp_path / "x.fa.gz"
        pysam.tabix_compress(str(plain), str(path), force=True)
    ours = _records(read_fasta(path, chunk_size=3, alphabet=DNA_ALPHABET))
    assert ours == _faidx(path)  # names and sequences, as samtools faidx reads them
    assert [seq for _, seq in ours] == [seq for _, seq in _fastx(path)]


@pytest.mark.parametrize("case", sorted(FASTX_ONLY_CASES))
def test_fasta_reads_like_fastx_where_faidx_cannot(tmp_path: Path, case: str) -> None:
    path = tmp_path / "x.fa"
    path.write_bytes(FASTX_ONLY_CASES[case])
    assert _records(read_fasta(path, alphabet=DNA_ALPHABET)) == _fastx(path)


@pytest.mark.skipif(shutil.which("samtools") is None, reason="samtools is not installed")
@pytest.mark.parametrize("case", sorted(FASTA_CASES))
def test_fasta_reads_like_samtools_faidx(tmp_path: Path, case: str) -> None:
    path = tmp_path / "x.fa"
    path.write_bytes(FASTA_CASES[case])
    subprocess.run(["samtools", "faidx", str(path)], check=True, capture_output=True)
    ours = _records(read_fasta(path, alphabet=DNA_ALPHABET))
    names = [line.split("\t")[0] for line in (tmp_path / "x.fa.fai").read_text().splitlines()]
    assert [name for name, _ in ours] == names
    for name, seq in ours:
        if not name:  # a nameless record cannot be named in a region
            continue
        # `-n` sets the line width: the sequence comes on one line after its header.
        shown = subprocess.run(
            ["samtools", "faidx", "-n", "1000000", str(path), name],
            capture_output=True,
            check=True,
        )
        assert shown.stdout.split(b"\n")[1] == seq


FASTQ_CASES = {
    "plain": b"@r1 desc\nACGT\n+\nIIII\n@r2\nacgtn\n+\nIIIII\n",
    "CRLF": b"@r1\r\nACGT\r\n+\r\nIIII\r\n@r2\r\nGG\r\n+\r\nII\r\n",
    "lowercase and IUPAC": b"@r1\nacgtRYKMN\n+r1\nIIIIIIIII\n",
    "nameless read": b"@\nACGT\n+\nIIII\n",
}


@pytest.mark.parametrize("case", sorted(FASTQ_CASES))
@pytest.mark.parametrize("packed", [False, True])
def test_fastq_reads_like_htslib(tmp_path: Path, case: str, packed: bool) -> None:
    data = FASTQ_CASES[case]
    path = tmp_path / ("x.fastq.gz" if packed else "x.fastq")
    path.write_bytes(gzip.compress(data) if packed else data)
    assert _records(read_fastq(path, alphabet=DNA_ALPHABET)) == _fastx(path)
