"""Fixtures for the reader tests: one file written plain, gzip or bgzip."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.io._files import COMPRESSIONS, WriteFile, write_compressed


@pytest.fixture(params=COMPRESSIONS)
def compression(request: pytest.FixtureRequest) -> str:
    """Each of plain, gzip and bgzip in turn."""
    return str(request.param)


@pytest.fixture
def write_file(tmp_path: Path, compression: str) -> WriteFile:
    """A function writing bytes with the current ``compression`` into ``tmp_path``."""

    def write(data: bytes, name: str = "x.fa") -> Path:
        return write_compressed(tmp_path, data, compression, name)

    return write
