"""data/samples/MANIFEST.md lists every bundled file with its current sha256."""

from __future__ import annotations

import hashlib
import re

from tests.helpers import SAMPLES


def test_manifest_lists_every_sample_with_its_sha256() -> None:
    manifest = (SAMPLES / "MANIFEST.md").read_text()
    rows = {}
    for line in manifest.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) > 3 and re.fullmatch(r"[0-9a-f]{64}", cells[-1]):
            rows[cells[0]] = cells[-1]
    files = {path.name for path in SAMPLES.iterdir() if path.name != "MANIFEST.md"}
    assert set(rows) == files
    for name, sha256 in rows.items():
        assert hashlib.sha256((SAMPLES / name).read_bytes()).hexdigest() == sha256, name
