"""Options a command cannot honour are refused, messages name options, ``-`` is stdout,
help shows the package defaults, baseline prints xz (issue 13)."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from genoenc.cli import cli
from tests.compare.fakes import write_sweep
from tests.helpers import sample_path, tiny_train_args

ROOT = Path(__file__).resolve().parents[2]
LAMBDA = str(sample_path("lambda_virus.fa"))


@pytest.mark.parametrize(
    ("option", "axis"),
    [
        (("--strategy", "full"), "--strategies"),
        (("--ratio", "8"), "--ratios"),
        (("--seed", "5"), "--seeds"),
    ],
)
def test_sweep_refuses_singular_options(tmp_path: Path, option: tuple[str, str], axis: str) -> None:
    args = ["sweep", "--fasta", LAMBDA, *option, "--out", str(tmp_path / "s"), "--dry-run"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"Error: {option[0]}: a sweep takes the grid axis {axis}")
    assert not (tmp_path / "s").exists()


def test_sweep_refuses_k_beside_tokenizers(tmp_path: Path) -> None:
    args = ["sweep", "--fasta", LAMBDA, "--tokenizers", "1,3", "--k", "2"]
    result = CliRunner().invoke(cli, [*args, "--out", str(tmp_path / "s"), "--dry-run"])
    assert result.exit_code == 2
    assert "--k: give k and stride in --tokenizers" in result.output


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('train: {seed: "1"}\n', "train.seed must be an integer, got '1' (a string)"),
        ("model: {d_model: 32.0}\n", "model.d_model must be an integer, got 32.0 (a number)"),
        ("train: {rc_aug: 1}\n", "train.rc_aug must be true or false, got 1 (an integer)"),
        ("reader: {fasta: x.fa}\n", "reader.fasta must be a list of a string, got 'x.fa'"),
        ("train: {lr: fast}\n", "train.lr must be a number, got 'fast' (a string)"),
    ],
)
def test_config_file_types_are_one_line_naming_the_key(
    tmp_path: Path, text: str, message: str
) -> None:
    config = tmp_path / "c.yaml"
    config.write_text(text)
    out = tmp_path / "run"
    result = CliRunner().invoke(
        cli, ["train", *tiny_train_args(), "--config", str(config), "--out", str(out)]
    )
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith(f"Error: {config}: {message}")
    assert not out.exists()


def test_yaml_exponent_without_dot_is_a_float() -> None:
    """YAML 1.1 reads ``3e-3`` as a string; a float field accepts it as the number."""
    import yaml

    from genoenc.train import RunConfig, merge_config

    data = yaml.safe_load("train: {lr: 3e-3}")
    assert data["train"]["lr"] == "3e-3"
    assert merge_config(RunConfig(), data).train.lr == 0.003


def test_too_little_data_names_the_cli_options(tmp_path: Path) -> None:
    args = ["train", "--fasta", LAMBDA, "--device", "cpu", "--block-tokens", "100000"]
    args += ["--tokens-budget", "2048"]  # never reached: the test split is empty
    result = CliRunner().invoke(cli, [*args, "--out", str(tmp_path / "r")])
    assert result.exit_code == 1
    assert "--block-tokens (split.block_tokens)" in result.output
    assert "Traceback" not in result.output


def _readme_torchrun_example() -> list[str]:
    """The CPU torchrun example of the README, as an argument list."""
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"OMP_NUM_THREADS=1 (torchrun .*?)\n```", readme, re.S)
    assert block, "the README's CPU torchrun example is missing"
    return shlex.split(block.group(1).replace("\\\n", " "))


def test_readme_torchrun_example_has_enough_data(tmp_path: Path) -> None:
    """The example's options on one process, with a small budget: the data suffices."""
    words = _readme_torchrun_example()
    args = words[words.index("train") + 1 :]
    args[args.index("--tokens-budget") + 1] = "8192"
    args[args.index("--out") + 1] = str(tmp_path / "ddp")
    args[args.index("--fasta") + 1] = str(ROOT / args[args.index("--fasta") + 1])
    result = CliRunner().invoke(cli, ["train", *args, "--eval-tokens", "4096"])
    assert result.exit_code == 0, result.output


@pytest.mark.slow
def test_readme_torchrun_example_as_written(tmp_path: Path) -> None:
    """The README's command, verbatim (2 gloo processes), from a copy of the sample."""
    words = _readme_torchrun_example()
    (tmp_path / "data" / "samples").mkdir(parents=True)
    (tmp_path / "data" / "samples" / "lambda_virus.fa").write_bytes(Path(LAMBDA).read_bytes())
    torchrun = Path(sys.executable).with_name("torchrun")
    env = {"OMP_NUM_THREADS": "1", "PATH": str(torchrun.parent)}
    done = subprocess.run(
        [str(torchrun), *words[1:]], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-2000:]
    metrics = json.loads((tmp_path / "runs" / "ddp" / "metrics.json").read_text())
    assert metrics["world_size"] == 2


def test_compare_json_dash_writes_stdout(tmp_path: Path) -> None:
    sweep = write_sweep(
        tmp_path / "s", {("learned", 4): [1.8, 1.81], ("autoencoder", 4): [1.9, 1.9]}
    )
    result = CliRunner().invoke(cli, ["compare", str(sweep), "--json", "-"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)  # stdout is the JSON alone; the table went to stderr
    assert rows[0]["verdict"]
    assert "condition" in result.stderr
    assert not Path("-").exists()
    both = ["compare", str(sweep), "--json", "-", "--cross-json", "-"]
    assert CliRunner().invoke(cli, both).exit_code == 2


def test_report_dash_writes_html_to_stdout(tmp_path: Path) -> None:
    sweep = write_sweep(
        tmp_path / "s", {("learned", 4): [1.8, 1.81], ("autoencoder", 4): [1.9, 1.9]}
    )
    result = CliRunner().invoke(cli, ["report", str(sweep), "-o", "-"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("<!DOCTYPE html>")
    assert "runs" in result.stderr


def test_baseline_prints_xz_and_json_dash(tmp_path: Path) -> None:
    args = ["baseline", "--fasta", LAMBDA, "--block-tokens", "4096", "--max-order", "3"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    line = next(x for x in result.stdout.splitlines() if x.startswith("xz -9e (test)"))
    assert 1.5 < float(line.split()[-1]) < 3.5
    result = CliRunner().invoke(cli, [*args, "--json", "-"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["compressors"]["xz -9e"]["bases"] > 0


def test_help_shows_defaults_from_the_package() -> None:
    from genoenc.data import SplitConfig
    from genoenc.models import ModelConfig

    text = " ".join(CliRunner().invoke(cli, ["train", "--help"]).output.split())
    assert f"Task model [{ModelConfig().arch}]" in text
    assert f"[{SplitConfig().block_tokens:,}]" in text
    seed = text[text.index("--seed INTEGER") : text.index("--rc-aug")]
    assert "split.seed" in seed  # the split has its own seed: --seed does not move it
    assert "Seed of init, split" not in seed


def test_eval_json_dash_writes_stdout(tmp_path: Path) -> None:
    run = tmp_path / "run"
    trained = CliRunner().invoke(
        cli, ["train", *tiny_train_args(), "--tokens-budget", "2048", "--out", str(run)]
    )
    assert trained.exit_code == 0, trained.output
    args = ["eval", str(run), "--fasta", LAMBDA, "--eval-tokens", "2048", "--json", "-"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["test"]["targets"] > 0
    assert "reference" in result.stderr
