"""Regions: parse_region, Region, read_bed, and indexed reads compared with pysam."""

from __future__ import annotations

import gzip
import re
import shutil
from pathlib import Path

import pysam
import pytest
from hypothesis import given
from hypothesis import strategies as st

import genoenc.io._regions as regions_module
from genoenc.errors import FileFormatError, InputError, RegionError, SequenceCharError
from genoenc.io import Region, parse_region, read_bed, read_fasta_regions
from tests.helpers import sample_path
from tests.io._files import DNA_ALPHABET

CHR20 = "ucsc.hg19.chr20.unittest.fasta.gz"

# --- parse_region and Region ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("chr1:11-20", Region("chr1", 10, 20)),
        ("chr1:1-1", Region("chr1", 0, 1)),
        ("chr1", Region("chr1", 0, None)),
        ("chr1:5-", Region("chr1", 4, None)),
        ("chr1:5", Region("chr1", 4, None)),  # samtools: from 5 to the end
        ("chrX:1,000,001-2,000,000", Region("chrX", 1_000_000, 2_000_000)),
        ("  chr2:3-4 ", Region("chr2", 2, 4)),
        ("chrUn:gl000220", Region("chrUn:gl000220", 0, None)),  # ':' then not a range
        ("{HLA-A*01:01:01:01}", Region("HLA-A*01:01:01:01", 0, None)),
        ("{HLA-A*01:01}:1-100", Region("HLA-A*01:01", 0, 100)),
        ("gi|9626243|ref|NC_001416.1|:100-200", Region("gi|9626243|ref|NC_001416.1|", 99, 200)),
    ],
)
def test_parse_region(text: str, expected: Region) -> None:
    assert parse_region(text) == expected


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "no contig name"),
        (":1-10", "no contig name"),
        ("chr1:0-10", "start must be >= 1"),
        ("chr1:20-10", "end 10 is before start 20"),
        ("chr1:1,00-200", "misplaced thousands separator"),
        ("{chr1:1-10", "unclosed"),
        ("{chr1}x", "expected ':'"),
    ],
)
def test_parse_region_errors_name_the_region(text: str, problem: str) -> None:
    with pytest.raises(RegionError, match=rf"^bad region {re.escape(repr(text))}: .*{problem}"):
        parse_region(text)


@given(
    contig=st.from_regex(r"[A-Za-z0-9_.|]{1,12}", fullmatch=True),
    start=st.integers(0, 10**9),
    length=st.one_of(st.none(), st.integers(1, 10**6)),
)
def test_region_string_round_trip(contig: str, start: int, length: int | None) -> None:
    region = Region(contig, start, None if length is None else start + length)
    assert parse_region(str(region)) == region


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (("chr1", -1, 5), "negative"),
        (("chr1", 5, 5), "not after start"),
        (("", 0, None), "empty contig"),
    ],
)
def test_region_checks(args: tuple[str, int, int | None], problem: str) -> None:
    with pytest.raises(RegionError, match=problem):
        Region(*args)


# --- BED -----------------------------------------------------------------------------------------


BED = b"""track name=test
browser position chr20:1-100
# a comment

chr20\t0\t10\tname\t0\t+
chr20 100 250
chrM\t5\t6
"""


@pytest.mark.parametrize("packed", [False, True])
def test_read_bed(tmp_path: Path, packed: bool) -> None:
    path = tmp_path / "x.bed"
    path.write_bytes(gzip.compress(BED) if packed else BED)
    assert read_bed(path) == [
        Region("chr20", 0, 10),  # BED is 0-based half-open already
        Region("chr20", 100, 250),
        Region("chrM", 5, 6),
    ]


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        (b"chr1\t5", "expected chrom, start, end"),
        (b"chr1\tfive\t10", "start and end must be integers"),
        (b"chr1\t10\t10", "need 0 <= start < end"),
        (b"chr1\t-1\t10", "need 0 <= start < end"),
    ],
)
def test_read_bed_errors_name_the_line(tmp_path: Path, line: bytes, problem: str) -> None:
    path = tmp_path / "bad.bed"
    path.write_bytes(b"# header\nchr1\t0\t5\n" + line + b"\n")
    with pytest.raises(FileFormatError, match=rf"^{re.escape(str(path))}: line 3: {problem}"):
        read_bed(path)


def test_read_bed_missing(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read_bed(tmp_path / "none.bed")


# --- read_fasta_regions --------------------------------------------------------------------------


def _fetch_all(path: Path, regions: list[str], chunk_size: int = 1 << 20) -> dict[str, bytes]:
    records: dict[str, bytes] = {}
    for chunk in read_fasta_regions(path, regions, chunk_size=chunk_size):
        assert len(chunk.seq) <= chunk_size
        assert chunk.start == len(records.get(chunk.name, b""))
        assert chunk.first == (chunk.start == 0)
        records[chunk.name] = records.get(chunk.name, b"") + chunk.seq
    return records


def test_bgzip_regions_match_pysam_fetch() -> None:
    path = sample_path(CHR20)
    regions = ["chr20:9,995,001-9,995,100", "chr20:10,000,001-10,250,000", "chr20:60,000,001-"]
    records = _fetch_all(path, regions, chunk_size=100_000)
    with pysam.FastaFile(str(path)) as fasta:
        assert records == {
            "chr20:9995001-9995100": fasta.fetch("chr20", 9_995_000, 9_995_100).encode(),
            "chr20:10000001-10250000": fasta.fetch("chr20", 10_000_000, 10_250_000).encode(),
            "chr20:60000001-63025520": fasta.fetch("chr20", 60_000_000).encode(),
        }


def test_whole_contig_comes_in_bounded_chunks() -> None:
    chunks = list(read_fasta_regions(sample_path(CHR20), ["chr20"], chunk_size=4_000_000))
    assert [len(c.seq) for c in chunks] == [4_000_000] * 15 + [3_025_520]
    assert [c.last for c in chunks] == [False] * 15 + [True]
    assert {c.name for c in chunks} == {"chr20:1-63025520"}


def test_byte_offset_points_at_the_region_start(tmp_path: Path) -> None:
    path = tmp_path / "lambda.fa"
    shutil.copy(sample_path("lambda_virus.fa"), path)
    (chunk,) = read_fasta_regions(path, [Region("gi|9626243|ref|NC_001416.1|", 100, 110)])
    data = path.read_bytes()
    # The uncompressed file holds the region's first bases at byte_offset.
    assert data[chunk.byte_offset : chunk.byte_offset + 10] == chunk.seq[:10]


@pytest.mark.parametrize("sample", ["lambda_virus.fa", "yeast_sacCer3.fa.gz"])
def test_missing_index_is_built_in_a_writable_folder(tmp_path: Path, sample: str) -> None:
    path = tmp_path / sample
    shutil.copy(sample_path(sample), path)
    contig = "chrIV" if "yeast" in sample else "gi|9626243|ref|NC_001416.1|"
    records = _fetch_all(path, [f"{contig}:1001-1100"])
    assert Path(f"{path}.fai").exists()
    if sample.endswith(".gz"):
        assert Path(f"{path}.gzi").exists()
    with pysam.FastaFile(str(path)) as fasta:
        assert list(records.values()) == [fasta.fetch(contig, 1000, 1100).encode()]


def test_missing_index_in_read_only_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Tests may run as root, where chmod does not stop writes: stand in for the check.
    path = tmp_path / "yeast.fa.gz"
    shutil.copy(sample_path("yeast_sacCer3.fa.gz"), path)
    monkeypatch.setattr(regions_module, "_folder_writable", lambda folder: False)
    with pytest.raises(InputError) as caught:
        read_fasta_regions(path, ["chrI:1-10"])
    message = str(caught.value)
    assert message.startswith(f"{path}: no index (yeast.fa.gz.fai, yeast.fa.gz.gzi)")
    assert "folder is read-only" in message
    assert "samtools faidx" in message
    assert not Path(f"{path}.fai").exists()


def test_gzip_cannot_be_indexed() -> None:
    path = sample_path("ecoli_k12_mg1655_GCF_000005845.2.fna.gz")
    with pytest.raises(FileFormatError, match=r"gzip \(not bgzip\) cannot be indexed.*bgzip"):
        read_fasta_regions(path, ["NC_000913.3:1-10"])


@pytest.mark.parametrize(
    ("region", "problem"),
    [
        ("chr1:1-10", "unknown contig 'chr1' \\(contigs: chr20\\)"),
        ("chr20:63,025,500-63,025,521", "past the end of chr20 \\(length 63,025,520\\)"),
        ("chr20:63,025,521-", "past the end of chr20"),
    ],
)
def test_region_errors_name_file_and_region(region: str, problem: str) -> None:
    path = sample_path(CHR20)
    expected = rf"^{re.escape(str(path))}: region {re.escape(str(parse_region(region)))}: {problem}"
    with pytest.raises(RegionError, match=expected):
        list(read_fasta_regions(path, [region]))


def test_bad_character_in_region_gives_file_offset(tmp_path: Path) -> None:
    data = b">c1\nACGTACGTAC\nACGTAZGTAC\nACGT\n"
    path = tmp_path / "bad.fa"
    path.write_bytes(data)
    with pytest.raises(SequenceCharError) as caught:
        list(read_fasta_regions(path, ["c1:3-"], chunk_size=4, alphabet=DNA_ALPHABET))
    error = caught.value
    assert (error.record, error.offset, error.position) == ("c1:3-24", data.index(b"Z"), 16)
    assert str(error) == (
        f"{path}: record c1:3-24, byte {data.index(b'Z')}, position 16: "
        "unexpected character 'Z' in sequence"
    )
