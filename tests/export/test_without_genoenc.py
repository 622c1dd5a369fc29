"""An exported folder loads where genoenc cannot be imported.

Fast: this interpreter in isolated mode (``-I``) with an import hook that makes every
``genoenc`` import fail. Slow: a fresh venv holding only torch, transformers, safetensors
and tokenizers (pinned by constraints.txt), where genoenc is not installed at all.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import torch

from genoenc.export import TOLERANCE, export_run, load_trained_run
from genoenc.export._export import probe_ids, reference_logits

pytest.importorskip("transformers")  # the `hf` extra; make test installs it

ROOT = Path(__file__).resolve().parents[2]

_LOADER = """
import importlib.abc
import json
import sys

if sys.argv[3] == "block":
    class _NoGenoenc(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name == "genoenc" or name.startswith("genoenc."):
                raise ModuleNotFoundError(f"No module named {name!r} (blocked by the test)")
            return None

    sys.meta_path.insert(0, _NoGenoenc())

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

folder, ids = sys.argv[1], json.loads(sys.argv[2])
tokenizer = AutoTokenizer.from_pretrained(folder)  # as the issue asks: no trust_remote_code
model = AutoModelForCausalLM.from_pretrained(folder, trust_remote_code=True).eval()
with torch.no_grad():
    logits = model(torch.tensor(ids)).logits
try:
    import genoenc  # noqa: F401
    importable = True
except ImportError:
    importable = False
loaded = sorted(m for m in sys.modules if m == "genoenc" or m.startswith("genoenc."))
with open(sys.argv[4], "w") as out:
    json.dump({
    "acgtn": tokenizer("ACGTN")["input_ids"],
    "bos": tokenizer.bos_token_id,
    "logits": logits.tolist(),
    "genoenc_importable": importable,
    "genoenc_modules": loaded,
    }, out)
"""


def _run_loader(python: str, folder: Path, ids: list[list[int]], mode: str, tmp: Path) -> dict:
    script = tmp / "load_export.py"
    script.write_text(_LOADER)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp),
        "HF_HOME": str(tmp / "hf-home"),  # transformers copies the modelling code here
        "HF_HUB_OFFLINE": "1",
    }
    done = subprocess.run(
        [python, "-I", str(script), str(folder), json.dumps(ids), mode, str(tmp / "out.json")],
        cwd=tmp,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    # stdout may hold transformers' trust_remote_code prompt (answered by the closed stdin)
    return dict(json.loads((tmp / "out.json").read_text()))


def _check(result: dict, run_dir: Path, ids: list[list[int]]) -> None:
    assert result["acgtn"] == [0, 2, 3, 1, 4]
    assert result["bos"] == 5
    assert not result["genoenc_importable"]
    assert result["genoenc_modules"] == []
    run = load_trained_run(run_dir)
    want = reference_logits(run, torch.tensor(ids).numpy())
    got = torch.tensor(result["logits"])
    assert got.shape == want.shape
    assert float((got - want).abs().max()) <= TOLERANCE


def test_loads_with_genoenc_blocked(trained: Callable[[str], Path], tmp_path: Path):
    run_dir = trained("learned")
    folder = tmp_path / "hf"
    export_run(run_dir, folder, verify=False)
    ids = probe_ids(load_trained_run(run_dir), batch=2, length=32, seed=3).tolist()
    result = _run_loader(sys.executable, folder, ids, "block", tmp_path)
    _check(result, run_dir, ids)


@pytest.mark.slow
def test_loads_in_a_fresh_venv_without_genoenc(trained: Callable[[str], Path], tmp_path: Path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = str(venv / "bin" / "python")
    subprocess.run(
        [
            *(python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"),
            *("-c", str(ROOT / "constraints.txt")),
            *("torch", "numpy", "transformers", "safetensors", "tokenizers"),
        ],
        check=True,
        timeout=1200,
    )
    run_dir = trained("learned")
    folder = tmp_path / "hf"
    export_run(run_dir, folder, verify=False)
    ids = probe_ids(load_trained_run(run_dir), batch=2, length=32, seed=4).tolist()
    result = _run_loader(python, folder, ids, "plain", tmp_path)
    _check(result, run_dir, ids)
