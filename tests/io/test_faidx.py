"""Stale or mismatched .fai/.gzi indexes are named as such (issue 13), and good ones pass."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pysam
import pytest
from click.testing import CliRunner

from genoenc.cli import cli
from genoenc.errors import FileFormatError
from genoenc.io import read_fasta, read_fasta_regions
from tests.helpers import sample_path
from tests.io._files import DNA_ALPHABET
from tests.io.test_htslib_parity import FASTA_CASES

LAMBDA = "lambda_virus.fa"
LAMBDA_NAME = "gi|9626243|ref|NC_001416.1|"


def _copy_lambda(tmp_path: Path) -> Path:
    path = tmp_path / LAMBDA
    shutil.copy(sample_path(LAMBDA), path)
    shutil.copy(sample_path(LAMBDA + ".fai"), str(path) + ".fai")
    return path


def _read(path: Path, region: str) -> bytes:
    chunks = read_fasta_regions(path, [region], alphabet=DNA_ALPHABET)
    return b"".join(chunk.seq for chunk in chunks)


def test_fai_length_past_the_record_is_named_stale(tmp_path: Path) -> None:
    path = _copy_lambda(tmp_path)
    fai = Path(str(path) + ".fai")
    fai.write_text(fai.read_text().replace("\t48502\t", "\t58502\t"))
    for region in (LAMBDA_NAME, f"{LAMBDA_NAME}:100-200"):
        with pytest.raises(FileFormatError) as caught:
            _read(path, region)
        message = str(caught.value)
        assert message.startswith(f"{fai}: record {LAMBDA_NAME}")
        assert "stale or mismatched index" in message
        assert "58,502 bases" in message
        assert f"samtools faidx {path}" in message


def test_fai_of_an_edited_fasta_is_named_stale_not_a_bad_character(tmp_path: Path) -> None:
    path = _copy_lambda(tmp_path)
    # The header grew after indexing: every offset in the .fai is now shifted.
    data = path.read_bytes()
    path.write_bytes(data.replace(b">gi|", b">gi_renamed|", 1))
    with pytest.raises(FileFormatError) as caught:
        _read(path, f"{LAMBDA_NAME}:100-200")
    message = str(caught.value)
    assert message.startswith(f"{path}.fai: ")
    assert "stale or mismatched index" in message
    assert "unexpected character" not in message


def test_fai_of_another_file_with_the_same_layout_is_caught_by_name(tmp_path: Path) -> None:
    path = tmp_path / "x.fa"
    path.write_bytes(b">chrA\nACGT\nAC\n>chrB\nGGGG\n")
    pysam.faidx(str(path))
    path.write_bytes(b">chrX\nACGT\nAC\n>chrB\nGGGG\n")  # same offsets, another name
    with pytest.raises(FileFormatError, match=r"x\.fa\.fai: record chrA, byte 0: stale"):
        _read(path, "chrA")
    assert _read(path, "chrB") == b"GGGG"


def test_fai_line_width_change_is_caught(tmp_path: Path) -> None:
    path = tmp_path / "x.fa"
    path.write_bytes(b">chrA\n" + b"ACGTACGTAC\n" * 3 + b">chrB\nGG\n")
    pysam.faidx(str(path))
    path.write_bytes(b">chrA\n" + b"ACGTAC\n" * 5 + b">chrB\nGG\n")  # rewrapped
    with pytest.raises(FileFormatError, match="stale or mismatched index"):
        _read(path, "chrA")


def test_malformed_fai_line_names_the_index(tmp_path: Path) -> None:
    path = _copy_lambda(tmp_path)
    Path(str(path) + ".fai").write_text("chr1\tlots\t5\t60\t61\n")
    with pytest.raises(FileFormatError, match=r"lambda_virus\.fa\.fai: line 1: not a faidx"):
        _read(path, "chr1")


def _bgzip_pair(tmp_path: Path) -> tuple[Path, Path]:
    """Two bgzip FASTAs of several BGZF blocks each, indexed."""
    rng = np.random.default_rng(0)
    paths = []
    for name, size in (("a", 300_000), ("b", 310_000)):
        bases = np.frombuffer(b"ACGT", dtype=np.uint8)[rng.integers(0, 4, size)].tobytes()
        lines = b"\n".join(bases[i : i + 60] for i in range(0, size, 60))
        plain = tmp_path / f"{name}.fa"
        plain.write_bytes(b">chr1\n" + lines + b"\n")
        packed = tmp_path / f"{name}.fa.gz"
        pysam.tabix_compress(str(plain), str(packed), force=True)
        pysam.faidx(str(packed))
        paths.append(packed)
    return paths[0], paths[1]


def test_good_bgzip_index_reads_and_mismatched_gzi_is_named(tmp_path: Path) -> None:
    first, second = _bgzip_pair(tmp_path)
    whole = b"".join(chunk.seq for chunk in read_fasta(first))
    assert _read(first, "chr1:250001-250100") == whole[250_000:250_100]
    # The other file's .gzi: its block offsets do not fall on this file's blocks.
    shutil.copy(str(second) + ".gzi", str(first) + ".gzi")
    with pytest.raises(FileFormatError) as caught:
        _read(first, "chr1:250001-250100")
    message = str(caught.value)
    assert message.startswith(f"{first}.gzi: ")
    assert "stale or mismatched index" in message


def test_truncated_gzi_is_named(tmp_path: Path) -> None:
    first, _ = _bgzip_pair(tmp_path)
    gzi = Path(str(first) + ".gzi")
    gzi.write_bytes(gzi.read_bytes()[:-5])
    with pytest.raises(FileFormatError, match=r"\.gzi: stale or mismatched index"):
        _read(first, "chr1:1-10")


@pytest.mark.parametrize("case", sorted(FASTA_CASES))
def test_good_indexes_of_every_layout_pass(tmp_path: Path, case: str) -> None:
    path = tmp_path / "x.fa"
    path.write_bytes(FASTA_CASES[case])
    pysam.faidx(str(path))
    for name, seq in [
        (chunk.name, chunk.seq) for chunk in read_fasta(path, chunk_size=1 << 20) if chunk.name
    ]:
        assert _read(path, name) == seq


def test_cli_names_a_stale_index_in_one_line_and_writes_nothing(tmp_path: Path) -> None:
    path = _copy_lambda(tmp_path)
    fai = Path(str(path) + ".fai")
    fai.write_text(fai.read_text().replace("\t48502\t", "\t58502\t"))
    out = tmp_path / "store"
    result = CliRunner().invoke(
        cli, ["tokenize", "--fasta", str(path), "--region", LAMBDA_NAME, "-o", str(out)]
    )
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.startswith("Error")]
    assert len(errors) == 1
    assert f"{fai}: record {LAMBDA_NAME}" in errors[0]
    assert "Traceback" not in result.output
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".store")] == []
