"""A full disk names the file being written (issue 13): store, run dir JSON, checkpoint, log.

``ENOSPC`` is simulated: the write (or ``fsync``) raises ``OSError(ENOSPC)`` without a
file name, as the kernel's error does.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import genoenc.store.write as store_module
from genoenc.cli import cli
from genoenc.rundir import append_log, atomic_write_json
from genoenc.tokenize import TokenizerConfig
from genoenc.tokenize.textvocab import TextVocab, fit_vocab
from genoenc.train.checkpoint import save_checkpoint
from tests.helpers import sample_path

_FULL = os.strerror(errno.ENOSPC)


def _disk_full(*args: object, **kwargs: object) -> None:
    raise OSError(errno.ENOSPC, _FULL)


class _FullFile:
    """A real file whose writes fail as on a full disk."""

    def __init__(self, handle: Any) -> None:
        self._handle = handle

    def write(self, data: object) -> int:
        raise OSError(errno.ENOSPC, _FULL)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._handle, name)

    def __enter__(self) -> _FullFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self._handle.close()


def test_tokenize_on_a_full_disk_names_the_store_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full_open(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        return _FullFile(open(file, mode, *args, **kwargs))

    monkeypatch.setattr(store_module, "open", full_open, raising=False)
    out = tmp_path / "store"
    result = CliRunner().invoke(
        cli, ["tokenize", "--fasta", str(sample_path("lambda_virus.fa")), "-o", str(out)]
    )
    assert result.exit_code == 1
    assert f"Error: {out / 'tokens.bin'}: {_FULL}" in result.output
    assert "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []  # no store, no temporary folder


def test_store_fsync_failure_names_the_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(os, "fsync", _disk_full)
    out = tmp_path / "store"
    result = CliRunner().invoke(
        cli, ["tokenize", "--fasta", str(sample_path("lambda_virus.fa")), "-o", str(out)]
    )
    assert result.exit_code == 1
    assert f"Error: {out / 'tokens.bin'}: {_FULL}" in result.output
    assert list(tmp_path.iterdir()) == []


def test_run_dir_json_checkpoint_and_vocab_name_their_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    vocab = fit_vocab(TokenizerConfig(kind="char"), ["abcab"])
    assert isinstance(vocab, TextVocab)
    monkeypatch.setattr(os, "fsync", _disk_full)
    writes = [
        (tmp_path / "metrics.json", lambda: atomic_write_json(tmp_path / "metrics.json", {})),
        (tmp_path / "checkpoint.pt", lambda: save_checkpoint(tmp_path, {"step": 1})),
    ]
    for path, write in writes:
        with pytest.raises(OSError, match=_FULL) as caught:
            write()
        assert caught.value.filename == str(path)
        assert caught.value.errno == errno.ENOSPC
    monkeypatch.undo()

    def full_write_text(self: Path, *args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, _FULL)

    monkeypatch.setattr(Path, "write_text", full_write_text)
    with pytest.raises(OSError, match=_FULL) as caught:
        vocab.save(tmp_path / "vocab.json")
    assert caught.value.filename == str(tmp_path / "vocab.json")
    monkeypatch.undo()
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no temporary file left


def test_log_append_names_the_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real_open = builtins.open

    def full_open(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        handle = real_open(file, mode, *args, **kwargs)
        return _FullFile(handle) if "a" in mode else handle

    monkeypatch.setattr(builtins, "open", full_open)
    with pytest.raises(OSError, match=_FULL) as caught:
        append_log(tmp_path, {"step": 1})
    assert caught.value.filename == str(tmp_path / "log.jsonl")


def test_store_fdatasync_failure_while_writing_names_the_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The writing thread syncs every _SYNC_BYTES; make that every write and fail it.
    monkeypatch.setattr(store_module, "_SYNC_BYTES", 1)
    monkeypatch.setattr(os, "fdatasync", _disk_full)
    out = tmp_path / "store"
    result = CliRunner().invoke(
        cli, ["tokenize", "--fasta", str(sample_path("lambda_virus.fa")), "-o", str(out)]
    )
    assert result.exit_code == 1
    assert f"Error: {out / 'tokens.bin'}: {_FULL}" in result.output
    assert list(tmp_path.iterdir()) == []
