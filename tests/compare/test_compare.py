"""Grouping, pairing and the comparison rows, checked against genoenc.stats directly."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from genoenc import stats
from genoenc.compare import (
    JSON_KEYS,
    CompareConfig,
    ComparisonRow,
    compare_runs,
    format_table,
    load_runs,
    rows_to_json,
)
from genoenc.errors import ConfigError, RunDirError
from tests.compare.fakes import ORDER0, write_run, write_sweep

# Copied from DESIGN.md ("compare --json writes one object per row with keys ..."), so
# the test checks the code against the contract, not against itself.
DESIGN_KEYS = (
    "condition, arm_a, arm_b, n_pairs, mean_a, mean_b, sd_a, sd_b, diff, diff_ci95, t, p_t, "
    "p_wilcoxon, cohens_dz, hedges_g, margin, p_tost, p_holm, verdict, gain_kept_a, gain_kept_b"
).split(", ")
EXTRA_KEYS = [
    "domain",
    "metric",
    "unit",
    "ratio",
    "seeds",
    "unpaired_seeds",
    "reason",
    "gap_closed_a",
    "gap_closed_b",
]


def noisy(mean: float, n: int, sd: float, seed: int) -> list[float]:
    return list(mean + np.random.default_rng(seed).normal(0.0, sd, n))


def compare(*paths: Path, margin: float = 0.01) -> tuple[list[ComparisonRow], list[str]]:
    runs, problems = load_runs(paths)
    rows, more = compare_runs(runs, CompareConfig(margin=margin))
    return rows, [str(p) for p in [*problems, *more]]


def row_of(rows: list[ComparisonRow], arm_a: str, arm_b: str, ratio: int = 4) -> ComparisonRow:
    (row,) = [r for r in rows if (r.arm_a, r.arm_b, r.ratio) == (arm_a, arm_b, ratio)]
    return row


def test_learned_better_matches_stats(tmp_path: Path) -> None:
    full = noisy(1.80, 5, 0.002, 0)
    learned = noisy(1.85, 5, 0.002, 1)
    auto = noisy(1.95, 5, 0.002, 2)
    write_sweep(tmp_path, {("full", 1): full, ("learned", 4): learned, ("autoencoder", 4): auto})
    rows, problems = compare(tmp_path)
    assert problems == []
    assert [(r.arm_a, r.arm_b) for r in rows] == [
        ("learned", "autoencoder"),
        ("learned", "full"),
        ("autoencoder", "full"),
    ]
    expected = stats.apply_holm(
        [
            stats.compare_paired(learned, auto, 0.01),
            stats.compare_paired(learned, full, 0.01),
            stats.compare_paired(auto, full, 0.01),
        ]
    )
    for row, want in zip(rows, expected, strict=True):
        assert row.n_pairs == 5
        assert row.mean_a == pytest.approx(want.summary_a.mean)
        assert row.sd_b == pytest.approx(want.summary_b.sd)
        assert row.diff == pytest.approx(want.difference.mean_diff)
        assert row.diff_ci95 == pytest.approx((want.difference.ci95.low, want.difference.ci95.high))
        assert row.t == pytest.approx(want.t_test.statistic)
        assert row.p_t == pytest.approx(want.t_test.p_value)
        assert row.p_wilcoxon == pytest.approx(want.wilcoxon.p_value)
        assert row.cohens_dz == pytest.approx(want.cohens_dz)
        assert row.hedges_g == pytest.approx(want.hedges_g)
        assert row.p_tost == pytest.approx(want.equivalence.p_value)
        assert row.p_holm == pytest.approx(want.p_holm)
        assert row.verdict == want.verdict.label
    main = rows[0]
    assert main.verdict == "better"
    assert main.condition == "ecoli/k1s1/r4"
    assert main.unit == "bits/base"
    assert main.metric == "bits_per_base"
    assert main.gain_kept_a == pytest.approx(
        np.mean([stats.gain_kept(a, f, ORDER0) for a, f in zip(learned, full, strict=True)])
    )
    assert main.gain_kept_b == pytest.approx(
        np.mean([stats.gain_kept(a, f, ORDER0) for a, f in zip(auto, full, strict=True)])
    )
    assert rows[1].gain_kept_b == pytest.approx(1.0)  # full keeps all of its own gain


def test_holm_family_is_every_row_of_the_call(tmp_path: Path) -> None:
    arms = {
        ("full", 1): noisy(1.80, 4, 0.01, 0),
        ("learned", 2): noisy(1.81, 4, 0.01, 1),
        ("autoencoder", 2): noisy(1.82, 4, 0.01, 2),
        ("learned", 8): noisy(1.84, 4, 0.01, 3),
        ("autoencoder", 8): noisy(1.90, 4, 0.01, 4),
    }
    write_sweep(tmp_path, arms)
    rows, _ = compare(tmp_path)
    assert len(rows) == 6
    expected = stats.holm([row.p_t for row in rows])
    assert [row.p_holm for row in rows] == pytest.approx(list(expected))
    # full (ratio 1) is shared by both ratios: the same full values on both sides.
    assert row_of(rows, "learned", "full", 2).mean_b == row_of(rows, "learned", "full", 8).mean_b


def test_equal_arms_within_margin_are_equivalent(tmp_path: Path) -> None:
    base = noisy(1.90, 6, 0.01, 0)
    jitter = noisy(0.0, 6, 0.0005, 1)
    write_sweep(
        tmp_path,
        {
            ("learned", 4): base,
            ("autoencoder", 4): [b + j for b, j in zip(base, jitter, strict=True)],
        },
    )
    rows, problems = compare(tmp_path)
    (row,) = rows
    assert row.verdict == "equivalent"
    assert row.p_tost < 0.05
    assert math.isnan(row.gain_kept_a)  # no full run: no share of its gain
    assert problems == []


def test_two_noisy_seeds_are_inconclusive(tmp_path: Path) -> None:
    write_sweep(tmp_path, {("learned", 4): [1.80, 1.95], ("autoencoder", 4): [1.90, 1.85]})
    (row,), _ = compare(tmp_path)
    assert row.n_pairs == 2
    assert row.verdict == "inconclusive"
    assert row.p_holm > 0.05
    assert row.p_tost > 0.05


def test_one_seed_gives_no_test(tmp_path: Path) -> None:
    write_sweep(tmp_path, {("learned", 4): [1.80], ("autoencoder", 4): [1.90]})
    (row,), _ = compare(tmp_path)
    assert row.n_pairs == 1
    assert row.diff == pytest.approx(-0.1)
    assert math.isnan(row.p_t)
    assert math.isnan(row.p_holm)
    assert math.isnan(row.p_tost)
    assert row.verdict == "inconclusive"
    assert row.reason == "fewer than 2 pairs: no test possible"
    obj = rows_to_json([row])[0]
    assert obj["p_t"] is None
    assert obj["sd_a"] is None
    json.dumps(obj, allow_nan=False)


def test_identical_arms_zero_variance(tmp_path: Path) -> None:
    values = [1.9, 1.91, 1.92]
    write_sweep(tmp_path, {("learned", 4): values, ("autoencoder", 4): values})
    (row,), _ = compare(tmp_path)
    assert row.diff == 0.0
    assert row.t == 0.0
    assert row.p_t == 1.0
    assert row.verdict == "equivalent"
    assert "all differences are zero" in row.reason


def test_constant_nonzero_difference_is_infinite_in_json(tmp_path: Path) -> None:
    write_sweep(
        tmp_path, {("learned", 4): [1.80, 1.81, 1.82], ("autoencoder", 4): [1.90, 1.91, 1.92]}
    )
    (row,), _ = compare(tmp_path)
    assert row.verdict == "better"
    assert row.t == -math.inf
    obj = rows_to_json([row])[0]
    assert obj["t"] == "-inf"
    json.dumps(obj, allow_nan=False)


def test_json_keys_exactly(tmp_path: Path) -> None:
    write_sweep(tmp_path, {("full", 1): [1.8, 1.81], ("learned", 4): [1.85, 1.87]})
    rows, _ = compare(tmp_path)
    objects = rows_to_json(rows)
    assert list(JSON_KEYS) == DESIGN_KEYS
    assert list(objects[0]) == DESIGN_KEYS
    assert list(rows_to_json(rows, extras=True)[0]) == DESIGN_KEYS + EXTRA_KEYS
    assert isinstance(objects[0]["diff_ci95"], list)
    assert len(objects[0]["diff_ci95"]) == 2
    assert json.loads(json.dumps(objects, allow_nan=False)) == objects


def test_unpaired_seed_is_reported_not_dropped(tmp_path: Path) -> None:
    write_sweep(
        tmp_path,
        {("learned", 4): noisy(1.85, 5, 0.01, 0), ("autoencoder", 4): noisy(1.95, 4, 0.01, 1)},
    )
    (row,), problems = compare(tmp_path)
    assert row.n_pairs == 4
    assert row.seeds == (0, 1, 2, 3)
    assert row.unpaired_seeds == (4,)
    assert any("seed 4 only in learned" in p and "unpaired" in p for p in problems)
    assert "4*" in format_table([row])


def test_arms_with_no_seed_in_common(tmp_path: Path) -> None:
    write_run(tmp_path, strategy="learned", ratio=4, seed=0, value=1.8)
    write_run(tmp_path, strategy="autoencoder", ratio=4, seed=1, value=1.9)
    (row,), problems = compare(tmp_path)
    assert row.n_pairs == 0
    assert row.verdict == "inconclusive"
    assert row.unpaired_seeds == (0, 1)
    assert "no seed in common" in row.reason
    assert len(problems) == 1


def test_mixed_schema_versions(tmp_path: Path) -> None:
    write_sweep(
        tmp_path, {("learned", 4): [1.80, 1.81, 1.82], ("autoencoder", 4): [1.90, 1.91, 1.93]}
    )
    old = write_run(tmp_path, strategy="learned", ratio=4, seed=7, value=1.8, schema_version=0)
    rows, problems = compare(tmp_path)
    assert rows[0].n_pairs == 3
    assert f"{old}: skipped: schema_version 0, this genoenc reads 1" in problems


def test_unfinished_runs_are_problems(tmp_path: Path) -> None:
    write_sweep(tmp_path, {("learned", 4): [1.80, 1.81], ("autoencoder", 4): [1.90, 1.91]})
    partial = write_run(
        tmp_path, strategy="autoencoder", ratio=4, seed=2, value=1.9, finished=False
    )
    runs, problems = load_runs([tmp_path])
    assert len(runs) == 4
    assert [str(p) for p in problems] == [f"{partial}: unfinished (no metrics.json yet)"]


def test_folder_without_finished_run_is_an_error(tmp_path: Path) -> None:
    write_run(tmp_path, strategy="learned", ratio=4, seed=0, value=1.8, finished=False)
    write_run(tmp_path, strategy="learned", ratio=4, seed=1, value=1.8, finished=False)
    with pytest.raises(RunDirError, match=r"no finished run \(2 unfinished\)$"):
        load_runs([tmp_path])


def test_missing_path_and_empty_folder(tmp_path: Path) -> None:
    with pytest.raises(RunDirError, match="no such run directory"):
        load_runs([tmp_path / "nope"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(RunDirError, match=r"empty: no finished run$"):
        load_runs([tmp_path / "empty"])


def test_missing_metric_key_is_skipped(tmp_path: Path) -> None:
    write_sweep(tmp_path, {("learned", 4): [1.80, 1.81], ("autoencoder", 4): [1.90, 1.91]})
    bad = write_run(tmp_path, strategy="learned", ratio=4, seed=5, value=1.8)
    metrics = json.loads((bad / "metrics.json").read_text())
    del metrics["test"]["bits_per_base"]
    (bad / "metrics.json").write_text(json.dumps(metrics))
    _, problems = compare(tmp_path)
    assert f"{bad}: skipped: metrics.json lacks test.bits_per_base" in problems


def test_duplicate_run_is_reported(tmp_path: Path) -> None:
    write_sweep(tmp_path, {("learned", 4): [1.80, 1.81], ("autoencoder", 4): [1.90, 1.91]})
    copy = write_run(tmp_path, strategy="learned", ratio=4, seed=0, value=1.7, name="zz/copy")
    (row,), problems = compare(tmp_path)
    assert row.mean_a == pytest.approx(1.805)  # the first run by path is kept
    assert any(p.startswith(f"{copy}: duplicate of ") for p in problems)


def test_text_runs_use_bits_per_char(tmp_path: Path) -> None:
    write_sweep(tmp_path / "g", {("learned", 4): [1.80, 1.81], ("autoencoder", 4): [1.90, 1.93]})
    write_sweep(
        tmp_path / "t",
        {("learned", 4): [2.10, 2.11], ("autoencoder", 4): [2.30, 2.33]},
        domain="text",
        data="wiki",
    )
    rows, _ = compare(tmp_path / "g", tmp_path / "t")
    by_domain = {row.domain: row for row in rows}
    assert by_domain["text"].unit == "bits/char"
    assert by_domain["text"].metric == "bits_per_char"
    assert by_domain["text"].mean_a == pytest.approx(2.105)
    assert by_domain["text"].condition.startswith("text:wiki/")
    table = format_table(rows)
    assert "a bits/base" in table
    assert "a bits/char" in table


def test_sweep_json_names_the_dataset(tmp_path: Path) -> None:
    write_sweep(tmp_path, {("learned", 4): [1.8, 1.9], ("autoencoder", 4): [1.9, 2.0]})
    sweep = json.loads((tmp_path / "sweep.json").read_text())
    for cell in sweep["cells"]:
        cell["dataset"] = "E. coli K-12"
    (tmp_path / "sweep.json").write_text(json.dumps(sweep))
    (row,), _ = compare(tmp_path)
    assert row.condition == "E. coli K-12/k1s1/r4"
    write_sweep(
        tmp_path / "plain",
        {("learned", 4): [1.8, 1.9], ("autoencoder", 4): [1.9, 2.0]},
        sweep_json=False,
        data="lambda",
    )
    (row,), _ = compare(tmp_path / "plain")
    assert row.condition == "lambda/k1s1/r4"  # from the source file's stem


def test_settings_that_differ_are_separate_conditions(tmp_path: Path) -> None:
    for lr in (0.001, 0.003):
        write_sweep(
            tmp_path / f"lr{lr}",
            {("learned", 4): [1.8, 1.81], ("autoencoder", 4): [1.9, 1.92]},
            lr=lr,
        )
    rows, problems = compare(tmp_path)
    assert [row.condition for row in rows] == [
        "ecoli/k1s1/r4 (train.lr=0.001)",
        "ecoli/k1s1/r4 (train.lr=0.003)",
    ]
    assert all(row.n_pairs == 2 for row in rows)
    assert problems == []


def test_only_full_or_a_lone_arm_is_a_problem(tmp_path: Path) -> None:
    write_sweep(tmp_path / "a", {("full", 1): [1.8, 1.81]})
    write_sweep(tmp_path / "b", {("autoencoder", 4): [1.9, 1.91]}, data="lambda")
    rows, problems = compare(tmp_path / "a", tmp_path / "b")
    assert rows == []
    assert "ecoli/k1s1: only the full arm: nothing to compare" in problems
    assert any(p.startswith("lambda/k1s1/r4: autoencoder not compared") for p in problems)
    assert format_table(rows) == "no comparison"


def test_table_layout(tmp_path: Path) -> None:
    write_sweep(
        tmp_path,
        {
            ("full", 1): noisy(1.80, 3, 0.01, 0),
            ("learned", 4): noisy(1.85, 3, 0.01, 1),
            ("autoencoder", 4): [1.9],
        },
    )
    rows, _ = compare(tmp_path)
    lines = format_table(rows).splitlines()
    header, rule, *body, legend = lines
    assert "diff bits/base" in header
    assert "p Holm" in header
    assert "verdict" in header
    assert set(rule) <= {"-", " "}
    # Right-aligned numbers: the mean column ends where its header ends.
    end = header.index("a bits/base") + len("a bits/base")
    assert all(line[end - 1].isdigit() for line in body)
    assert "n/a" in lines[2] or any("n/a" in line for line in body)
    assert "margin ±0.01 bits/base" in legend


def test_compare_config_checks_fields() -> None:
    with pytest.raises(ConfigError, match=r"compare\.margin"):
        CompareConfig(margin=0)
    with pytest.raises(ConfigError, match=r"compare\.alpha"):
        CompareConfig(alpha=1.5)


def test_gap_closed_is_each_arms_mean_over_the_paired_seeds(tmp_path: Path) -> None:
    write_sweep(tmp_path, {("full", 1): [1.8, 1.81], ("learned", 4): [1.85, 1.87]})
    shares = {("full", 0): 1.2, ("full", 1): 1.0, ("learned-r4", 0): 0.5, ("learned-r4", 1): 0.3}
    for (arm, seed), share in shares.items():
        path = next(tmp_path.glob(f"*/*/{arm}/seed{seed}")) / "metrics.json"
        metrics = json.loads(path.read_text())
        path.write_text(json.dumps({**metrics, "gap_closed": share}))
    (row,), _ = compare(tmp_path)
    assert (row.arm_a, row.arm_b) == ("learned", "full")
    assert row.gap_closed_a == pytest.approx(0.4)
    assert row.gap_closed_b == pytest.approx(1.1)
    extras = rows_to_json([row], extras=True)[0]
    assert extras["gap_closed_a"] == pytest.approx(0.4)


def test_gap_closed_is_nan_for_runs_written_without_it(tmp_path: Path) -> None:
    write_sweep(tmp_path, {("full", 1): [1.8, 1.81], ("learned", 4): [1.85, 1.87]})
    (row,), _ = compare(tmp_path)
    assert math.isnan(row.gap_closed_a)
    assert rows_to_json([row], extras=True)[0]["gap_closed_a"] is None


def test_the_fallback_data_label_is_the_sweeps_dataset_name(tmp_path: Path) -> None:
    """Runs read without a sweep.json are labelled as `genoenc sweep --fasta` names their
    dataset: the file name without its suffixes, version dots kept."""
    from cli.sweep import _dataset_name
    from genoenc.compare._runs import _data_label

    fasta = "data/samples/ecoli_k12_mg1655_GCF_000005845.2.fna.gz"
    name = _dataset_name(tmp_path, {"reader": {"fasta": [fasta]}})
    assert name == "ecoli_k12_mg1655_GCF_000005845.2"
    assert _data_label({"sources": [{"path": fasta}]}) == name
