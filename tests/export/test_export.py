"""``genoenc export``: the Hugging Face folder reproduces genoenc's logits and ids."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from safetensors.torch import load_file

from genoenc.cli import cli
from genoenc.export import TOLERANCE, export_run, load_trained_run
from genoenc.export._export import probe_ids, reference_logits
from genoenc.tokenize.vocab import END, PAD, START, N
from tests.helpers import sample_path

transformers = pytest.importorskip("transformers")  # the `hf` extra; make test installs it

FAST_RUNS = ["learned", "full-lstm-k2s1", "ae-k3"]
SLOW_RUNS = [
    "full",
    "autoencoder-joint",
    "autoencoder-deep",
    "autoencoder-vae",
    "autoencoder-twostage",
    "learned-k3s1",
]

Trained = Callable[[str], Path]


def _load(folder: Path) -> tuple[Any, Any]:
    """The exported model and tokenizer (remote-code classes, typed only at run time)."""
    model = transformers.AutoModelForCausalLM.from_pretrained(str(folder), trust_remote_code=True)
    tokenizer = transformers.AutoTokenizer.from_pretrained(str(folder), trust_remote_code=True)
    return model.eval(), tokenizer


@pytest.fixture(scope="module")
def learned_export(trained: Trained, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("export") / "learned-hf"
    export_run(trained("learned"), out)
    return out


def test_folder_holds_weights_code_tokenizer_and_card(trained: Trained, learned_export: Path):
    names = {p.name for p in learned_export.iterdir()}
    assert names == {
        "README.md",
        "config.json",
        "configuration_genoenc.py",
        "modeling_genoenc.py",
        "model.safetensors",
        "special_tokens_map.json",
        "tokenizer.json",
        "tokenizer_config.json",
    }
    config = json.loads((learned_export / "config.json").read_text())
    assert config["auto_map"]["AutoModelForCausalLM"] == "modeling_genoenc.GenoencForCausalLM"
    assert (config["bos_token_id"], config["eos_token_id"], config["pad_token_id"]) == (
        START,
        END,
        PAD,
    )
    metrics = json.loads((trained("learned") / "metrics.json").read_text())
    tensors = load_file(str(learned_export / "model.safetensors"))
    assert tensors["encoder.embedding.weight"].shape == (8, metrics["d_c"])
    card = (learned_export / "README.md").read_text()
    assert f"{metrics['test']['bits_per_base']:.4f}" in card
    assert f"best Markov (order {metrics['reference']['markov_order']}" in card
    assert f"{metrics['reference']['markov_bits']:.4f}" in card
    assert "`learned`" in card
    assert f"{metrics['params']['encoding']:,}" in card
    # No genoenc import in the shipped code: the folder must load without it.
    for name in ("configuration_genoenc.py", "modeling_genoenc.py"):
        code = (learned_export / name).read_text()
        assert not re.search(r"^\s*(from|import)\s+genoenc\b", code, re.MULTILINE)


def test_autoencoder_export_stores_only_the_codes(trained: Trained, tmp_path: Path):
    out = tmp_path / "hf"
    result = export_run(trained("ae-k3"), out)
    tensors = load_file(str(out / "model.safetensors"))
    assert not [name for name in tensors if "decoder" in name or "table" in name]
    run = load_trained_run(trained("ae-k3"))
    codes = run.encoder.encoding_tensors()["codes"]
    torch.testing.assert_close(tensors["encoder.embedding.weight"], codes, rtol=0, atol=0)
    metrics = json.loads((trained("ae-k3") / "metrics.json").read_text())
    assert result["params"]["encoding"] == metrics["params"]["encoding"]
    assert result["params"]["task_model"] == metrics["params"]["task_model"]
    assert result["params"]["total"] < metrics["params"]["total"]  # training-only left out


def _check_logits(run_dir: Path, folder: Path) -> None:
    model, _ = _load(folder)
    run = load_trained_run(run_dir)
    ids = probe_ids(run, batch=3, length=32, seed=7)
    with torch.no_grad():
        got = model(torch.from_numpy(ids)).logits
    want = reference_logits(run, ids)
    assert got.shape == want.shape
    assert float((got - want).abs().max()) <= TOLERANCE
    assert float(want.abs().max()) > 0  # a real comparison, not of two zero tensors


@pytest.mark.parametrize(
    "name", [*FAST_RUNS, *(pytest.param(n, marks=pytest.mark.slow) for n in SLOW_RUNS)]
)
def test_every_strategy_exports_with_genoenc_logits(trained: Trained, tmp_path: Path, name: str):
    out = tmp_path / "hf"
    result = export_run(trained(name), out)
    assert result["max_abs_diff"] is not None
    assert result["max_abs_diff"] <= TOLERANCE
    _check_logits(trained(name), out)


def test_logits_of_a_real_sequence_match(trained: Trained, learned_export: Path):
    model, tokenizer = _load(learned_export)
    run = load_trained_run(trained("learned"))
    seq = sample_path("lambda_virus.fa").read_text().split("\n", 1)[1].replace("\n", "")[:31]
    ids = tokenizer("[START]" + seq, return_tensors="pt").input_ids  # (1, 32)
    assert ids[0, 0] == START
    with torch.no_grad():
        got = model(ids).logits
    want = run.logits(ids)
    assert float((got - want).abs().max()) <= TOLERANCE
    # labels give genoenc's next-token loss
    with torch.no_grad():
        loss = model(ids, labels=ids).loss
    expected = torch.nn.functional.cross_entropy(want[0, :-1], ids[0, 1:])
    assert abs(float(loss) - float(expected)) < 1e-5


def test_dna_tokenizer_uses_genoenc_ids(learned_export: Path):
    _, tokenizer = _load(learned_export)
    assert tokenizer("ACGTN")["input_ids"] == [0, 2, 3, 1, 4]
    assert tokenizer("acgtu\nRY")["input_ids"] == [0, 2, 3, 1, 1, N, N]
    assert tokenizer("[START]ACG[END]")["input_ids"] == [START, 0, 2, 3, END]
    assert (tokenizer.bos_token_id, tokenizer.eos_token_id, tokenizer.pad_token_id) == (
        START,
        END,
        PAD,
    )
    assert tokenizer.unk_token_id == N
    assert tokenizer.decode([0, 2, 3, 1, 4]) == "ACGTN"


def test_kmer_tokenizer_matches_genoenc(trained: Trained, tmp_path: Path):
    out = tmp_path / "hf"
    export_run(trained("ae-k3"), out)
    _, tokenizer = _load(out)
    run = load_trained_run(trained("ae-k3"))
    seq = "ACGTTGCANNAacgGGG"  # 17 bases: 5 whole 3-mers (one with N), then 2 left
    want = run.tokenizer.encode(seq[:15].encode()).tolist()
    assert tokenizer(seq[:15])["input_ids"] == want
    assert tokenizer(seq)["input_ids"][:5] == want


def test_left_padding_and_generation(learned_export: Path):
    model, _ = _load(learned_export)
    ids = torch.tensor([[START, 0, 2, 3, 1, 1, 0, 2]])
    padded = torch.cat([torch.full((1, 3), PAD), ids], dim=1)
    mask = torch.cat([torch.zeros(1, 3, dtype=torch.long), torch.ones_like(ids)], dim=1)
    with torch.no_grad():
        plain = model(ids).logits
        shifted = model(padded, attention_mask=mask).logits[:, 3:]
    assert float((plain - shifted).abs().max()) <= 1e-5
    out = model.generate(ids, max_new_tokens=4, do_sample=False, pad_token_id=PAD)
    assert out.shape == (1, ids.shape[1] + 4)
    assert int(out[0, ids.shape[1]]) == int(plain[0, -1].argmax())


def test_longer_than_context_is_refused(learned_export: Path):
    model, _ = _load(learned_export)
    with pytest.raises(ValueError, match="longer than the model context 32"):
        model(torch.zeros(1, 33, dtype=torch.long))


def test_cli_export_and_its_errors(trained: Trained, tmp_path: Path):
    runner = CliRunner()
    out = tmp_path / "cli-hf"
    result = runner.invoke(cli, ["export", str(trained("learned")), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "transformers logits match genoenc's" in result.output
    # again into the same folder: an export is overwritten
    assert runner.invoke(cli, ["export", str(trained("learned")), "-o", str(out)]).exit_code == 0
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("mine")
    result = runner.invoke(cli, ["export", str(trained("learned")), "-o", str(busy)])
    assert result.exit_code == 1
    assert "is not empty and holds no export" in result.output
    unfinished = tmp_path / "unfinished"
    unfinished.mkdir()
    result = runner.invoke(cli, ["export", str(unfinished), "-o", str(tmp_path / "x")])
    assert result.exit_code == 1
    assert "unfinished run" in result.output


def test_probe_ids_start_with_start(trained: Trained):
    run = load_trained_run(trained("learned"))
    ids = probe_ids(run)
    assert (ids[:, 0] == START).all()
    assert np.isin(ids[:, 1:], [0, 1, 2, 3, N]).all()  # bases and N, never a special
