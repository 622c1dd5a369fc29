"""read_fastq and read_alignments: samples, chunking, flags, regions, CRAM references."""

from __future__ import annotations

import gzip
import random
import re
import shutil
from collections.abc import Iterable
from pathlib import Path

import pysam
import pytest

from genoenc.errors import FileFormatError, InputError, RegionError, SequenceCharError
from genoenc.io import Chunk, read_alignments, read_fastq
from tests.helpers import sample_path
from tests.io._files import DNA_ALPHABET

CHR20 = "ucsc.hg19.chr20.unittest.fasta.gz"


def _reads(chunks: Iterable[Chunk]) -> list[tuple[str, bytes]]:
    """Join chunks into reads (reads may share a name, as mates do)."""
    reads: list[tuple[str, bytes]] = []
    for chunk in chunks:
        if chunk.first:
            reads.append((chunk.name, b""))
        name, seq = reads[-1]
        assert chunk.name == name
        assert chunk.start == len(seq)
        reads[-1] = (name, seq + chunk.seq)
    return reads


# --- FASTQ ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "reads", "bases"),
    [
        ("sarscov2_MT007544_ont.fastq.gz", 200, 97_591),
        ("yeast_hic_SRR2601842_1.fastq.gz", 10_000, 500_000),
    ],
)
def test_fastq_samples(name: str, reads: int, bases: int) -> None:
    found = _reads(read_fastq(sample_path(name), alphabet=DNA_ALPHABET))
    assert len(found) == reads
    assert sum(len(seq) for _, seq in found) == bases


def test_fastq_plain_and_gzip_agree_and_long_reads_are_chunked(tmp_path: Path) -> None:
    packed = sample_path("sarscov2_MT007544_ont.fastq.gz")
    plain = tmp_path / "reads.fastq"
    plain.write_bytes(gzip.decompress(packed.read_bytes()))
    chunks = list(read_fastq(plain, chunk_size=100))
    assert max(len(c.seq) for c in chunks) == 100
    assert _reads(chunks) == _reads(read_fastq(packed))
    with pysam.FastxFile(str(packed)) as fastq:
        first = next(iter(fastq))
    assert _reads(chunks)[0] == (first.name, str(first.sequence).encode())


def test_fastq_skips_empty_reads(tmp_path: Path) -> None:
    path = tmp_path / "x.fq"
    path.write_bytes(b"@r1\nACGT\n+\nIIII\n@empty\n\n+\n\n@r3\nGG\n+\nII\n")
    assert _reads(read_fastq(path)) == [("r1", b"ACGT"), ("r3", b"GG")]


@pytest.mark.parametrize(
    ("sample", "problem"),
    [
        ("tinyshakespeare.txt", "not a FASTQ file: expected '@' but got 'First Citizen:'"),
        ("lambda_virus.fa", "not a FASTQ file: expected '@'"),
        ("NA12878_small.bam", "not a FASTQ file"),
    ],
)
def test_not_fastq(sample: str, problem: str) -> None:
    path = sample_path(sample)
    with pytest.raises(FileFormatError, match=rf"^{re.escape(str(path))}: {problem}"):
        read_fastq(path)


def test_fastq_empty_missing_and_truncated(tmp_path: Path) -> None:
    empty = tmp_path / "empty.fq"
    empty.write_bytes(b"")
    with pytest.raises(FileFormatError, match="empty file"):
        read_fastq(empty)
    with pytest.raises(InputError, match="no such file"):
        read_fastq(tmp_path / "none.fq")
    cut = tmp_path / "cut.fq.gz"
    cut.write_bytes(sample_path("yeast_hic_SRR2601842_1.fastq.gz").read_bytes()[:100_000])
    with pytest.raises(FileFormatError, match=r"cut\.fq\.gz: truncated or corrupt FASTQ"):
        list(read_fastq(cut))


def test_fastq_bad_character(tmp_path: Path) -> None:
    path = tmp_path / "x.fq"
    path.write_bytes(b"@r1\nACGT\n+\nIIII\n@r2 x\nACZT\n+\nIIII\n")
    with pytest.raises(SequenceCharError) as caught:
        list(read_fastq(path, alphabet=DNA_ALPHABET))
    assert (
        str(caught.value) == f"{path}: record r2, position 3: unexpected character 'Z' in sequence"
    )


# --- BAM / CRAM ----------------------------------------------------------------------------------


def _expected_bam_reads(
    path: Path, region: tuple[str, int, int] | None = None
) -> list[tuple[str, bytes]]:
    with pysam.AlignmentFile(str(path)) as alignments:
        iterator = alignments.fetch(*region) if region else alignments.fetch(until_eof=True)
        return [
            (str(read.query_name), str(read.get_forward_sequence()).encode())
            for read in iterator
            if not (read.is_secondary or read.is_supplementary) and read.query_sequence
        ]


@pytest.mark.parametrize(
    ("name", "reference", "reads", "bases"),
    [
        ("NA12878_small.bam", None, 973, 98_273),
        ("NA12878_small.cram", CHR20, 973, 98_273),
        ("mpileup.1.bam", "mpileup.ref.fa", 569, 57_572),
    ],
)
def test_alignment_samples(name: str, reference: str | None, reads: int, bases: int) -> None:
    ref = None if reference is None else sample_path(reference)
    found = _reads(read_alignments(sample_path(name), reference=ref, alphabet=DNA_ALPHABET))
    assert len(found) == reads
    assert sum(len(seq) for _, seq in found) == bases


def test_cram_gives_the_same_reads_as_the_bam() -> None:
    bam = _reads(read_alignments(sample_path("NA12878_small.bam")))
    cram = _reads(read_alignments(sample_path("NA12878_small.cram"), reference=sample_path(CHR20)))
    assert cram == bam == _expected_bam_reads(sample_path("NA12878_small.bam"))


@pytest.mark.parametrize("name", ["NA12878_small.bam", "NA12878_small.cram"])
def test_alignment_regions_match_pysam_fetch(name: str) -> None:
    regions = ["chr20:10,000,001-10,000,200", "chr20:10,001,001-10,001,050"]
    found = _reads(
        read_alignments(sample_path(name), reference=sample_path(CHR20), regions=regions)
    )
    bam = sample_path("NA12878_small.bam")
    expected = _expected_bam_reads(bam, ("chr20", 10_000_000, 10_000_200))
    expected += _expected_bam_reads(bam, ("chr20", 10_001_000, 10_001_050))
    assert found == expected
    assert 0 < len(found) < 973


def test_region_on_bam_without_index(tmp_path: Path) -> None:
    path = tmp_path / "noindex.bam"
    shutil.copy(sample_path("NA12878_small.bam"), path)
    assert len(_reads(read_alignments(path))) == 973  # whole file needs no index
    with pytest.raises(InputError, match=r"noindex\.bam: regions need an index.*samtools index"):
        list(read_alignments(path, regions=["chr20:1-100"]))


def test_unknown_contig_in_alignment_region() -> None:
    with pytest.raises(RegionError, match=r"NA12878_small\.bam: region chr99:1-5: unknown contig"):
        list(read_alignments(sample_path("NA12878_small.bam"), regions=["chr99:1-5"]))


def _write_reference(folder: Path) -> tuple[Path, str]:
    rng = random.Random(7)
    seq = "".join(rng.choice("ACGT") for _ in range(2_000))
    path = folder / "ref.fa"
    lines = "\n".join(seq[i : i + 60] for i in range(0, len(seq), 60))
    path.write_text(f">ctg1\n{lines}\n")
    return path, seq


def _segment(
    header: pysam.AlignmentHeader, name: str, flag: int, start: int
) -> pysam.AlignedSegment:
    read = pysam.AlignedSegment(header)
    read.query_name, read.flag, read.reference_id = name, flag, 0
    read.reference_start, read.mapping_quality = start, 60
    return read


def _write_synthetic(folder: Path, mode: str) -> tuple[Path, Path, str]:
    """A coordinate-sorted BAM or CRAM with secondary, supplementary and seq-less reads."""
    reference, seq = _write_reference(folder)
    path = folder / ("syn.cram" if mode == "wc" else "syn.bam")
    header = {"HD": {"VN": "1.6", "SO": "coordinate"}, "SQ": [{"SN": "ctg1", "LN": len(seq)}]}
    table = str.maketrans("ACGT", "TGCA")
    with pysam.AlignmentFile(
        str(path), mode, header=header, reference_filename=str(reference)
    ) as out:
        for name, flag, start in [
            ("fwd", 0, 100),
            ("rev", 16, 200),  # stored reverse-complemented
            ("fwd", 256, 300),  # secondary: the same read again
            ("rev", 2048 | 16, 400),  # supplementary
            ("noseq", 0, 500),
        ]:
            read = _segment(out.header, name, flag, start)
            if name != "noseq":
                read.query_sequence = seq[start : start + 50]
                read.query_qualities = pysam.qualitystring_to_array("I" * 50)
            read.cigartuples = [(0, 50)]
            out.write(read)
    pysam.index(str(path))
    expected_rev = seq[200:250].translate(table)[::-1]
    return path, reference, expected_rev


@pytest.mark.parametrize("mode", ["wb", "wc"])
def test_each_read_counts_once_and_as_sequenced(tmp_path: Path, mode: str) -> None:
    path, reference, expected_rev = _write_synthetic(tmp_path, mode)
    seq = _write_reference(tmp_path)[1]
    found = _reads(read_alignments(path, reference=reference))
    assert found == [("fwd", seq[100:150].encode()), ("rev", expected_rev.encode())]
    assert _reads(read_alignments(path, reference=reference, regions=["ctg1:201-220"])) == [
        ("rev", expected_rev.encode())
    ]


def test_cram_without_its_reference_says_so(tmp_path: Path) -> None:
    path, reference, _ = _write_synthetic(tmp_path, "wc")
    reference.rename(tmp_path / "moved.fa")  # the path in the CRAM's header is gone
    Path(f"{reference}.fai").unlink(missing_ok=True)
    with pytest.raises(FileFormatError) as caught:
        list(read_alignments(path))
    message = str(caught.value)
    assert message.startswith(f"{path}: cannot decode CRAM without its reference")
    assert "--reference" in message


def test_cram_with_the_wrong_reference_says_so(tmp_path: Path) -> None:
    path, reference, _ = _write_synthetic(tmp_path, "wc")
    reference.rename(tmp_path / "moved.fa")
    wrong = tmp_path / "lambda.fa"
    shutil.copy(sample_path("lambda_virus.fa"), wrong)
    with pytest.raises(FileFormatError, match=rf"cannot decode CRAM with reference {wrong}: is it"):
        list(read_alignments(path, reference=wrong))


def test_alignment_input_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"none\.fa: no such file"):
        read_alignments(sample_path("NA12878_small.cram"), reference=tmp_path / "none.fa")
    with pytest.raises(FileFormatError, match=r"lambda_virus\.fa: cannot read as BAM/CRAM"):
        list(read_alignments(sample_path("lambda_virus.fa")))
    cut = tmp_path / "cut.bam"
    cut.write_bytes(sample_path("NA12878_small.bam").read_bytes()[:30_000])
    with pytest.raises(FileFormatError, match=r"cut\.bam: cannot read as BAM/CRAM \(.*truncated"):
        list(read_alignments(cut))
    # Cut inside, but with the end-of-file marker kept: fails while reading.
    data = sample_path("NA12878_small.bam").read_bytes()
    cut.write_bytes(data[:30_000] + data[-28:])
    with pytest.raises(FileFormatError, match=r"cut\.bam: truncated or corrupt BAM"):
        list(read_alignments(cut))


def test_alignment_bad_character(tmp_path: Path) -> None:
    path, reference, _ = _write_synthetic(tmp_path, "wb")
    with pytest.raises(SequenceCharError, match=r"record fwd, position 1: unexpected character"):
        list(read_alignments(path, reference=reference, alphabet=b"T"))
