"""ReaderConfig checks, read_inputs order and regions, describe_inputs provenance."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from genoenc.errors import ConfigError, InputError
from genoenc.io import ReaderConfig, Region, describe_inputs, read_inputs
from tests.helpers import sample_path
from tests.io._files import DNA_ALPHABET

CHR20 = str(sample_path("ucsc.hg19.chr20.unittest.fasta.gz"))
LAMBDA = str(sample_path("lambda_virus.fa"))


def test_paths_become_tuples() -> None:
    # A YAML config gives a string or a list; both become tuples.
    fastq = [str(sample_path("sarscov2_MT007544_ont.fastq.gz"))]
    cfg = ReaderConfig(fasta=LAMBDA, fastq=fastq)  # type: ignore[arg-type]
    assert cfg.fasta == (LAMBDA,)
    assert isinstance(cfg.fastq, tuple)
    assert cfg.has_inputs
    assert not ReaderConfig().has_inputs


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"chunk_size": 0}, "reader.chunk_size must be >= 1"),
        ({"chunk_size": 1.5}, "reader.chunk_size must be an integer"),
        ({"fasta": 3}, "reader.fasta must be a list of paths"),
        ({"fasta": (LAMBDA,), "regions": ("chr1:5-1",)}, "reader.regions: bad region"),
        ({"cram": ("x.cram",)}, "reader.reference is required with reader.cram"),
        ({"regions": ("chr1",), "fastq": ("x.fq",)}, "reader.regions and reader.bed need"),
        ({"bed": 5, "fasta": (LAMBDA,)}, "reader.bed must be a path"),
    ],
)
def test_config_errors_name_the_field(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(ConfigError, match=field):
        ReaderConfig(**kwargs)  # type: ignore[arg-type]


def test_read_inputs_order_and_kinds() -> None:
    cfg = ReaderConfig(
        text=(str(sample_path("tinyshakespeare.txt")),),
        fastq=(str(sample_path("sarscov2_MT007544_ont.fastq.gz")),),
        fasta=(LAMBDA, str(sample_path("sarscov2_MN908947.3.fa"))),
        bam=(str(sample_path("mpileup.1.bam")),),
        chunk_size=1 << 16,
    )
    chunks = list(read_inputs(cfg))
    paths = [c.path for c in chunks if c.first]
    order = [p for i, p in enumerate(paths) if i == 0 or paths[i - 1] != p]
    assert [Path(p).name for p in order] == [
        "lambda_virus.fa",
        "sarscov2_MN908947.3.fa",
        "mpileup.1.bam",
        "sarscov2_MT007544_ont.fastq.gz",
        "tinyshakespeare.txt",
    ]
    assert max(len(c.seq) for c in chunks) <= 1 << 16


def test_read_inputs_regions_and_bed(tmp_path: Path) -> None:
    bed = tmp_path / "r.bed"
    bed.write_text("chr20\t10000000\t10000010\n")
    cfg = ReaderConfig(
        fasta=(CHR20,),
        bam=(str(sample_path("NA12878_small.bam")),),
        regions=("chr20:9,995,001-9,995,005",),
        bed=str(bed),
    )
    assert cfg.region_list() == [
        Region("chr20", 9_995_000, 9_995_005),
        Region("chr20", 10**7, 10**7 + 10),
    ]
    chunks = list(read_inputs(cfg, alphabet=DNA_ALPHABET))
    fasta = [c for c in chunks if c.path == CHR20]
    assert [(c.name, len(c.seq)) for c in fasta] == [
        ("chr20:9995001-9995005", 5),
        ("chr20:10000001-10000010", 10),
    ]
    reads = [c for c in chunks if c.path != CHR20]
    assert 0 < len(reads) < 973


def test_read_inputs_needs_an_input_and_checks_files_first(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no input"):
        read_inputs(ReaderConfig())
    cfg = ReaderConfig(fasta=(LAMBDA,), text=(str(tmp_path / "none.txt"),))
    with pytest.raises(InputError, match=r"none\.txt: no such file"):
        read_inputs(cfg)


def test_describe_inputs(tmp_path: Path) -> None:
    bed = tmp_path / "r.bed"
    bed.write_text("chr20\t0\t10\n")
    cram = str(sample_path("NA12878_small.cram"))
    cfg = ReaderConfig(fasta=(LAMBDA,), cram=(cram,), reference=CHR20, bed=str(bed))
    described = describe_inputs(cfg)
    assert [(d["kind"], d["path"]) for d in described] == [
        ("fasta", LAMBDA),
        ("cram", cram),
        ("reference", CHR20),
        ("bed", str(bed)),
    ]
    assert described[0]["bytes"] == 49_270
    assert described[0]["sha256"] == (
        "0a04f81952deb68c204e8ae67e0573cb97d348f18ab1b527630d57c294028cf5"
    )
    assert described[3]["sha256"] == hashlib.sha256(bed.read_bytes()).hexdigest()
