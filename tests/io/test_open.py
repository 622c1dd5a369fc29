"""Opening and decompression: magic bytes, multi-member gzip, bounded blocks, damage."""

from __future__ import annotations

import gzip
import io
from pathlib import Path

import pytest

from genoenc.errors import FileFormatError, InputError
from genoenc.io import detect_compression, file_compression
from genoenc.io._open import iter_decompressed, open_source
from tests.helpers import sample_path
from tests.io._files import write_compressed


def _decompress(data: bytes, block_size: int = 1 << 20) -> list[bytes]:
    return list(iter_decompressed(io.BytesIO(data), "mem", block_size))


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("lambda_virus.fa", "plain"),
        ("ecoli_k12_mg1655_GCF_000005845.2.fna.gz", "gzip"),
        ("ucsc.hg19.chr20.unittest.fasta.gz", "bgzip"),
        ("yeast_sacCer3.fa.gz", "bgzip"),
        ("sarscov2_MT007544_ont.fastq.gz", "gzip"),
        ("NA12878_small.bam", "bgzip"),
        ("tinyshakespeare.txt", "plain"),
    ],
)
def test_file_compression_of_samples(name: str, expected: str) -> None:
    assert file_compression(sample_path(name)) == expected


@pytest.mark.parametrize("compression", ["plain", "gzip", "bgzip"])
def test_written_files_detected_by_magic_not_name(tmp_path: Path, compression: str) -> None:
    path = write_compressed(tmp_path, b">a\nACGT\n", compression)
    assert path.suffix == ".txt"
    assert file_compression(path) == compression


def test_detect_compression_short_input() -> None:
    assert detect_compression(b"") == "plain"
    assert detect_compression(b"\x1f\x8b") == "gzip"


def test_plain_blocks_concatenate() -> None:
    data = bytes(range(256)) * 100
    blocks = _decompress(data, block_size=1000)
    assert b"".join(blocks) == data
    assert max(map(len, blocks)) <= 1000


def test_multi_member_gzip_with_zero_padding() -> None:
    data = gzip.compress(b"first ") + gzip.compress(b"second") + b"\x00" * 10
    assert b"".join(_decompress(data)) == b"first second"


def test_bgzip_sample_decompresses_like_gzip_module() -> None:
    raw = sample_path("yeast_sacCer3.fa.gz").read_bytes()
    blocks = _decompress(raw, block_size=1 << 18)
    assert b"".join(blocks) == gzip.decompress(raw)
    # Many 64 KiB BGZF members are gathered into blocks of about the block size.
    assert max(map(len, blocks)) < (1 << 18) + (1 << 16)


def test_highly_compressible_gzip_gives_bounded_blocks() -> None:
    data = b"N" * (8 << 20)
    blocks = _decompress(gzip.compress(data), block_size=1 << 16)
    assert b"".join(blocks) == data
    assert max(map(len, blocks)) <= 1 << 16


def test_truncated_gzip_is_named() -> None:
    packed = gzip.compress(b"ACGT" * 10000)
    with pytest.raises(FileFormatError, match=r"^mem: truncated or corrupt gzip"):
        _decompress(packed[: len(packed) // 2])


def test_corrupt_gzip_crc_is_caught() -> None:
    packed = bytearray(gzip.compress(b"ACGT" * 1000))
    packed[-8] ^= 0xFF  # the CRC-32 in the trailer
    with pytest.raises(FileFormatError, match="truncated or corrupt gzip"):
        _decompress(bytes(packed))


def test_trailing_garbage_after_gzip_is_an_error() -> None:
    with pytest.raises(FileFormatError, match="corrupt gzip"):
        _decompress(gzip.compress(b"ACGT") + b"garbage")


def test_deflate_errors_are_inflater_errors() -> None:
    # The FileFormatError above is raised from the inflater's own error (zlib's or isal's).
    from genoenc.io._open import _inflater

    with pytest.raises(FileFormatError) as caught:
        _decompress(b"\x1f\x8b\x08\x00" + bytes(6) + b"\xff\xff\xff")
    assert isinstance(caught.value.__cause__, _inflater()[1])


def test_open_source_missing_and_folder(tmp_path: Path) -> None:
    missing = tmp_path / "nope.fa"
    with pytest.raises(InputError, match=r"nope\.fa: no such file$"), open_source(missing):
        pass
    with pytest.raises(InputError, match="is a folder"), open_source(tmp_path):
        pass


def test_open_source_leaves_file_objects_open() -> None:
    handle = io.BytesIO(b"data")
    with open_source(handle) as (opened, name):
        assert opened is handle
        assert name == "<bytes>"
    assert not handle.closed
