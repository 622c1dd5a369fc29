"""gzip through python-isal and through zlib: the same bytes, the same errors."""

from __future__ import annotations

import gzip
import io

import pytest

from genoenc.errors import FileFormatError
from genoenc.io import _open, read_fasta
from tests.helpers import sample_path


@pytest.fixture(params=["isal", "zlib"])
def backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setattr(_open, "GZIP_BACKEND", request.param)
    return str(request.param)


def _decompress(data: bytes, block_size: int = 1 << 12) -> bytes:
    return b"".join(_open.iter_decompressed(io.BytesIO(data), "mem", block_size))


def test_isal_is_the_default_backend() -> None:
    # isal is a core dependency: the reader must actually use it.
    assert _open.GZIP_BACKEND == "isal"
    assert type(_open._inflater()[0]).__module__.startswith(("isal", "igzip"))


def test_backends_decode_multi_member_gzip_alike(backend: str) -> None:
    payload = b">r1\n" + b"ACGT" * 50_000 + b"\n>r2\n" + b"GATTACA" * 9_000 + b"\n"
    packed = gzip.compress(payload[:70_001]) + gzip.compress(payload[70_001:]) + bytes(8)
    assert _decompress(packed) == payload


def test_backends_read_the_bgzip_sample_alike(backend: str) -> None:
    path = sample_path("ucsc.hg19.chr20.unittest.fasta.gz")
    chunks = list(read_fasta(path, chunk_size=1 << 22))
    assert [c.name for c in chunks if c.first] == ["chr20"]
    assert sum(len(c.seq) for c in chunks) == 63_025_520  # the .fai length of chr20


def test_backends_catch_a_bad_crc(backend: str) -> None:
    packed = bytearray(gzip.compress(b"ACGT" * 1000))
    packed[-8] ^= 0xFF
    with pytest.raises(FileFormatError, match="truncated or corrupt gzip"):
        _decompress(bytes(packed))


def test_backends_catch_truncation(backend: str) -> None:
    packed = gzip.compress(bytes(range(256)) * 400)
    with pytest.raises(FileFormatError, match="truncated or corrupt gzip"):
        _decompress(packed[: len(packed) // 2])
