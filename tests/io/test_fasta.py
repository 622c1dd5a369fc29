"""read_fasta: samples, compressions, chunk boundaries, and every bad-input case."""

from __future__ import annotations

import gc
import gzip
import io
import itertools
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import genoenc.io._fasta as fasta_module
from genoenc.errors import (
    FastaFormatError,
    FileFormatError,
    InputError,
    SequenceCharError,
)
from genoenc.io import Chunk, read_fasta
from tests.helpers import sample_path
from tests.io._files import DNA_ALPHABET, WriteFile, write_compressed


def _records(chunks: Iterable[Chunk]) -> dict[str, bytes]:
    """Join chunks into whole records, checking the chunk invariants on the way."""
    records: dict[str, list[Chunk]] = {}
    for chunk in chunks:
        records.setdefault(chunk.name, []).append(chunk)
    joined = {}
    for name, parts in records.items():
        assert [p.first for p in parts] == [True] + [False] * (len(parts) - 1), name
        assert [p.last for p in parts] == [False] * (len(parts) - 1) + [True], name
        lengths = [len(p.seq) for p in parts]
        assert [p.start for p in parts] == list(itertools.accumulate(lengths, initial=0))[:-1]
        assert len({p.byte_offset for p in parts}) == 1
        joined[name] = b"".join(p.seq for p in parts)
    return joined


def _naive_parse(data: bytes) -> dict[str, bytes]:
    """A slow, obviously correct FASTA parser to compare against."""
    records: dict[str, bytes] = {}
    name = None
    for line in data.splitlines():
        if line.startswith(b">"):
            name = line[1:].split()[0].decode()
            records[name] = b""
        elif name is not None:
            records[name] += line.strip(b"\r\n")
    return records


# --- the bundled samples ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "records", "bases"),
    [
        ("lambda_virus.fa", 1, 48_502),
        ("sarscov2_MN908947.3.fa", 1, 29_903),
        ("ecoli_k12_mg1655_GCF_000005845.2.fna.gz", 1, 4_641_652),  # gzip
        ("yeast_sacCer3.fa.gz", 17, 12_157_105),  # bgzip without index
        ("dmel_1pct_7contigs.fa.gz", 7, 1_375_477),
        ("athaliana_chr5_1Mb_8contigs_softmasked.fa.gz", 8, 1_000_001),
        ("ucsc.hg19.chr20.unittest.fasta.gz", 1, 63_025_520),  # bgzip with .fai/.gzi
    ],
)
def test_sample_counts_match_manifest(name: str, records: int, bases: int) -> None:
    lengths: dict[str, int] = {}
    for chunk in read_fasta(sample_path(name), alphabet=DNA_ALPHABET):
        assert 0 < len(chunk.seq) <= 1 << 20
        lengths[chunk.name] = lengths.get(chunk.name, 0) + len(chunk.seq)
    assert len(lengths) == records
    assert sum(lengths.values()) == bases


def test_bgzip_sample_lengths_match_its_fai() -> None:
    fai = sample_path("ucsc.hg19.chr20.unittest.fasta.gz.fai").read_text().splitlines()
    expected = {line.split("\t")[0]: int(line.split("\t")[1]) for line in fai}
    chunks = read_fasta(sample_path("ucsc.hg19.chr20.unittest.fasta.gz"), chunk_size=10_000_000)
    assert {k: len(v) for k, v in _records(chunks).items()} == expected


def test_dmel_n_runs_and_record_names() -> None:
    records = _records(read_fasta(sample_path("dmel_1pct_7contigs.fa.gz")))
    joined = b"".join(records.values())
    assert joined.count(b"N") == 17_972
    assert len(records) == 7


def test_soft_masking_is_kept() -> None:
    (seq,) = _records(read_fasta(sample_path("hg19_chr17_1-40000_softmasked.fa"))).values()
    lower = sum(seq.count(base) for base in b"acgtn")
    assert len(seq) == 40_000
    assert lower / len(seq) == pytest.approx(0.435, abs=0.005)


def test_samples_agree_across_compressions(tmp_path: Path) -> None:
    data = gzip.decompress(sample_path("dmel_1pct_7contigs.fa.gz").read_bytes())
    reference = list(read_fasta(io.BytesIO(data), chunk_size=100_000))
    for compression in ("gzip", "bgzip"):
        path = write_compressed(tmp_path, data, compression)
        chunks = list(read_fasta(path, chunk_size=100_000))
        assert [(c.name, c.seq, c.start, c.byte_offset) for c in chunks] == [
            (c.name, c.seq, c.start, c.byte_offset) for c in reference
        ]


# --- chunks and record structure ----------------------------------------------------------------


SMALL = b">r1 first record\nACGTA\nCGT\n>r2\nGGGGGGGGGG\nTT\n>r3\nA\n"


def test_chunks_of_a_small_file(write_file: WriteFile) -> None:
    chunks = list(read_fasta(write_file(SMALL), chunk_size=4))
    assert [(c.name, c.seq, c.start, c.first, c.last) for c in chunks] == [
        ("r1", b"ACGT", 0, True, False),
        ("r1", b"ACGT", 4, False, True),
        ("r2", b"GGGG", 0, True, False),
        ("r2", b"GGGG", 4, False, False),
        ("r2", b"GGTT", 8, False, True),
        ("r3", b"A", 0, True, True),
    ]
    # byte_offset is the offset of the record's '>' in the uncompressed file.
    assert [c.byte_offset for c in chunks if c.first] == [
        0,
        SMALL.index(b">r2"),
        SMALL.index(b">r3"),
    ]
    assert {c.path for c in chunks} == {str(write_file(SMALL))}


@pytest.mark.parametrize("chunk_size", [1, 3, 7, 64, 1 << 20])
def test_tiny_chunks_give_the_same_sequence(write_file: WriteFile, chunk_size: int) -> None:
    data = gzip.decompress(sample_path("athaliana_chr5_1Mb_8contigs_softmasked.fa.gz").read_bytes())
    if chunk_size < 7:
        data = data[:20_000]  # keep the one-byte case fast
        data = data[: data.rindex(b"\n") + 1]
    chunks = list(read_fasta(write_file(data), chunk_size=chunk_size))
    assert all(len(c.seq) == chunk_size for c in chunks if not c.last)
    assert _records(chunks) == _naive_parse(data)


def test_in_memory_bytes_plain_and_gzip() -> None:
    plain = list(read_fasta(io.BytesIO(SMALL), chunk_size=5))
    packed = list(read_fasta(io.BytesIO(gzip.compress(SMALL)), chunk_size=5))
    assert plain == packed
    assert plain[0].path == "<bytes>"
    assert _records(plain) == {"r1": b"ACGTACGT", "r2": b"GGGGGGGGGGTT", "r3": b"A"}


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b">a\r\nAC\r\nGT\r\n>b\r\nT\r\n", {"a": b"ACGT", "b": b"T"}),  # Windows line breaks
        (b"\n\n  >a\nAC\n\nGT\n\n>b\nT", {"a": b"ACGT", "b": b"T"}),  # blank lines, no final \n
        (b">a x=1\tdesc\nAC\n", {"a": b"AC"}),  # the name stops at whitespace
        (b">a\nAC>GT\n", {"a": b"AC>GT"}),  # '>' inside a line is not a header
        (b">a\nACGT", {"a": b"ACGT"}),
    ],
)
def test_layout_variants(data: bytes, expected: dict[str, bytes]) -> None:
    assert _records(read_fasta(io.BytesIO(data), chunk_size=3)) == expected


@st.composite
def _fasta_files(draw: st.DrawFn) -> bytes:
    parts = []
    for index in range(draw(st.integers(1, 4))):
        header = f">rec{index}" + draw(st.sampled_from(["", " some description"]))
        seq = draw(st.text(alphabet="ACGTNacgtn", min_size=1, max_size=200)).encode()
        width = draw(st.integers(1, 80))
        newline = draw(st.sampled_from([b"\n", b"\r\n"]))
        lines = [seq[i : i + width] for i in range(0, len(seq), width)]
        parts.append(header.encode() + newline + newline.join(lines) + newline)
    return b"".join(parts)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=_fasta_files(), block_size=st.integers(1, 64), chunk_size=st.integers(1, 50))
def test_any_block_and_chunk_size_parse_like_a_naive_parser(
    data: bytes, block_size: int, chunk_size: int
) -> None:
    # Tiny blocks put headers, '\r\n' pairs and '\n>' across block boundaries.
    original = fasta_module.BLOCK_SIZE
    fasta_module.BLOCK_SIZE = block_size
    try:
        chunks = list(read_fasta(io.BytesIO(data), chunk_size=chunk_size, alphabet=DNA_ALPHABET))
    finally:
        fasta_module.BLOCK_SIZE = original
    assert _records(chunks) == _naive_parse(data)
    offsets = [c.byte_offset for c in chunks if c.first]
    assert offsets == [m.start() for m in re.finditer(rb"(?:^|(?<=\n))>", data)]


def test_lazy_reading_holds_one_chunk_at_a_time(tmp_path: Path) -> None:
    # 4 MB of one record, read in 64 KiB chunks: every chunk is bounded.
    path = tmp_path / "long.fa.gz"
    line = b"ACGTACGTAC" * 6 + b"\n"
    path.write_bytes(gzip.compress(b">long\n" + line * 70_000))
    chunks: Iterator[Chunk] = read_fasta(path, chunk_size=1 << 16)
    sizes = [len(c.seq) for c in chunks]
    assert max(sizes) == 1 << 16
    assert sum(sizes) == 60 * 70_000


# --- errors -------------------------------------------------------------------------------------


def test_missing_file_fails_at_the_call(tmp_path: Path) -> None:
    missing = tmp_path / "missing.fa"
    with pytest.raises(InputError, match=rf"^{re.escape(str(missing))}: no such file$"):
        read_fasta(missing)


@pytest.mark.parametrize("data", [b"", b"\n \n\t\n"])
def test_empty_file(write_file: WriteFile, data: bytes) -> None:
    path = write_file(data)
    with pytest.raises(FileFormatError, match=rf"^{re.escape(str(path))}: empty file"):
        list(read_fasta(path))


def test_not_fasta_quotes_the_start(write_file: WriteFile) -> None:
    path = write_file(b"\nchr1 ACGT\n>a\nAC\n")
    with pytest.raises(FastaFormatError) as caught:
        list(read_fasta(path))
    assert (
        str(caught.value) == f"{path}: byte 1: not a FASTA file: expected '>' but got 'chr1 ACGT'"
    )


def test_fastq_bam_and_binary_are_recognised(tmp_path: Path) -> None:
    fastq = sample_path("sarscov2_MT007544_ont.fastq.gz")
    with pytest.raises(FileFormatError, match="looks like FASTQ"):
        list(read_fasta(fastq))
    with pytest.raises(FileFormatError, match=r"NA12878_small\.bam: a BAM file, not FASTA"):
        list(read_fasta(sample_path("NA12878_small.bam")))
    binary = tmp_path / "image.png"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    with pytest.raises(FileFormatError, match=r"image\.png: binary file, not FASTA"):
        list(read_fasta(binary))


def test_truncated_gzip_names_the_file(tmp_path: Path) -> None:
    packed = sample_path("ecoli_k12_mg1655_GCF_000005845.2.fna.gz").read_bytes()
    path = tmp_path / "cut.fa.gz"
    path.write_bytes(packed[:200_000])
    chunks = read_fasta(path)
    with pytest.raises(FileFormatError, match=r"cut\.fa\.gz: truncated or corrupt gzip"):
        for _ in chunks:
            pass


def test_truncated_bgzip_names_the_file(tmp_path: Path) -> None:
    packed = sample_path("yeast_sacCer3.fa.gz").read_bytes()
    path = tmp_path / "cut.fa.gz"
    path.write_bytes(packed[: len(packed) // 3])
    with pytest.raises(FileFormatError, match=r"cut\.fa\.gz: truncated or corrupt gzip"):
        list(read_fasta(path))


@pytest.mark.parametrize(
    ("data", "record", "offset"),
    [
        (b">a\nACGT\n>b\n>c\nAC\n", "b", 8),  # in the middle
        (b">a\nACGT\n>b\n", "b", 8),  # at the end
        (b">a\nACGT\n>b desc", "b", 8),  # at the end, without a newline
        (b">only\n\n\n", "only", 0),
    ],
)
def test_header_with_no_sequence(
    write_file: WriteFile, data: bytes, record: str, offset: int
) -> None:
    path = write_file(data)
    with pytest.raises(FastaFormatError) as caught:
        list(read_fasta(path))
    assert str(caught.value) == f"{path}: record {record}, byte {offset}: header with no sequence"


def test_header_without_name_is_named_empty_as_htslib_does(write_file: WriteFile) -> None:
    path = write_file(b">a\nAC\n> \nGT\n")
    assert _records(read_fasta(path)) == {"a": b"AC", "": b"GT"}


@pytest.mark.parametrize("bad", [b"@", b"Z", b" ", b"\x00"])
def test_bad_character_names_record_offset_and_character(write_file: WriteFile, bad: bytes) -> None:
    # Lowercase, IUPAC and gaps are fine; the bad byte sits on the third line of chr2.
    data = b">chr1\nacgtnRYKM\n>chr2 x\nACGT-.\nACGT\nAC" + bad + b"GT\n"
    offset = data.index(b"AC" + bad) + 2
    path = write_file(data)
    with pytest.raises(SequenceCharError) as caught:
        list(read_fasta(path, alphabet=DNA_ALPHABET))
    error = caught.value
    assert (error.path, error.record, error.offset) == (str(path), "chr2", offset)
    assert str(error) == (
        f"{path}: record chr2, byte {offset}: unexpected character {bad.decode()!r} in sequence"
    )


def test_bad_character_offset_past_the_first_block(tmp_path: Path) -> None:
    # Several MB in, inside a gzip file: the offset counts uncompressed bytes.
    line = b"ACGT" * 15 + b"\n"
    data = b">big\n" + line * 100_000 + b"ACGU@\n" + line
    path = tmp_path / "big.fa.gz"
    path.write_bytes(gzip.compress(data))
    with pytest.raises(SequenceCharError, match=rf"record big, byte {data.index(b'@'):,}: .*'@'"):
        list(read_fasta(path, alphabet=DNA_ALPHABET))


def test_without_alphabet_any_byte_passes() -> None:
    assert _records(read_fasta(io.BytesIO(b">a\nAC@Z\n"))) == {"a": b"AC@Z"}


def test_chunk_size_must_be_positive() -> None:
    with pytest.raises(ValueError, match="chunk_size"):
        read_fasta(io.BytesIO(SMALL), chunk_size=0)


def test_abandoned_reader_closes_its_file(tmp_path: Path) -> None:
    # pytest turns an unclosed-file ResourceWarning into an error.
    path = write_compressed(tmp_path, SMALL, "gzip")
    chunks = read_fasta(path, chunk_size=2)
    next(chunks)
    del chunks
    gc.collect()
