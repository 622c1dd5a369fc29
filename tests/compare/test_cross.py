"""Cross-domain rows: Welch's test on per-seed learned-minus-autoencoder differences."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from scipy import stats as scipy_stats

from genoenc import stats
from genoenc.cli import cli
from genoenc.compare import (
    CompareConfig,
    cross_domain_rows,
    cross_rows_to_json,
    format_cross_table,
    load_runs,
    welch_t_test,
)
from genoenc.report import build_report
from tests.compare.fakes import ORDER0, write_sweep

GENOME = {
    ("full", 1): [1.90, 1.91, 1.89, 1.90],
    ("learned", 4): [1.92, 1.925, 1.915, 1.93],
    ("autoencoder", 4): [1.94, 1.95, 1.93, 1.945],
}
TEXT = {
    ("full", 1): [1.50, 1.52, 1.49],
    ("learned", 4): [1.60, 1.63, 1.61],
    ("autoencoder", 4): [1.80, 1.83, 1.79],
}
TEXT_ORDER0 = 2.4


def write_both(root: Path) -> None:
    write_sweep(root / "genome", GENOME)
    write_sweep(root / "text", TEXT, domain="text", data="wiki", order0=TEXT_ORDER0)


def test_welch_matches_scipy() -> None:
    rng = np.random.default_rng(1)
    for n_x, n_y in ((2, 2), (3, 5), (10, 4)):
        x, y = rng.normal(0, 1, n_x), rng.normal(0.5, 2, n_y)
        ours = welch_t_test(x, y)
        theirs = scipy_stats.ttest_ind(x, y, equal_var=False)
        assert ours.t == pytest.approx(theirs.statistic)
        assert ours.p_value == pytest.approx(theirs.pvalue)
        assert ours.df == pytest.approx(theirs.df)
        low, high = theirs.confidence_interval(0.95)
        assert ours.ci95 == pytest.approx((low, high))
    assert welch_t_test([1.0], [1.0, 2.0]).reason == "fewer than 2 seeds"
    assert welch_t_test([1.0, 1.0], [2.0, 2.0]).reason == "no spread"


def test_cross_row_on_fake_runs(tmp_path: Path) -> None:
    write_both(tmp_path)
    runs, _ = load_runs([tmp_path])
    rows, _ = cross_domain_rows(runs, CompareConfig())
    assert len(rows) == 1
    row = rows[0]
    assert (row.ratio, row.arm_a, row.arm_b) == (4, "learned", "autoencoder")
    assert (row.domain_1, row.domain_2) == ("genome", "text")
    assert row.condition_1 == "ecoli/k1s1/r4"
    assert row.condition_2.startswith("text:wiki/")
    assert (row.n_1, row.n_2) == (4, 3)

    def kept(arms: dict, order0: float) -> list[float]:
        full, learned, auto = arms[("full", 1)], arms[("learned", 4)], arms[("autoencoder", 4)]
        return [
            stats.gain_kept(a, f, order0) - stats.gain_kept(b, f, order0)
            for a, b, f in zip(learned, auto, full, strict=False)
        ]

    genome, text = kept(GENOME, ORDER0), kept(TEXT, TEXT_ORDER0)
    expected = scipy_stats.ttest_ind(genome, text, equal_var=False)
    assert row.gain_diff_1 == pytest.approx(np.mean(genome))
    assert row.gain_diff_2 == pytest.approx(np.mean(text))
    assert row.gain_delta == pytest.approx(np.mean(genome) - np.mean(text))
    assert row.gain_p == pytest.approx(expected.pvalue)
    assert row.gain_p_holm == pytest.approx(expected.pvalue)  # a family of one
    raw_g = np.subtract(GENOME[("learned", 4)], GENOME[("autoencoder", 4)])
    raw_t = np.subtract(TEXT[("learned", 4)], TEXT[("autoencoder", 4)])
    assert row.raw_delta == pytest.approx(raw_g.mean() - raw_t.mean())
    assert row.raw_p == pytest.approx(scipy_stats.ttest_ind(raw_g, raw_t, equal_var=False).pvalue)
    assert (row.unit_1, row.unit_2) == ("bits/base", "bits/char")
    assert row.verdict == ("differs" if expected.pvalue < 0.05 else "no difference shown")
    table = format_cross_table(rows)
    assert table.startswith("cross-domain")
    assert "Welch" in table
    assert cross_rows_to_json(rows)[0]["gain_delta_ci95"] == list(row.gain_delta_ci95)


def test_one_domain_has_no_cross_rows(tmp_path: Path) -> None:
    write_sweep(tmp_path / "genome", GENOME)
    runs, _ = load_runs([tmp_path])
    assert cross_domain_rows(runs)[0] == []


def test_compare_cli_and_report_show_both_domains(tmp_path: Path) -> None:
    write_both(tmp_path)
    cross_json = tmp_path / "cross.json"
    result = CliRunner().invoke(cli, ["compare", str(tmp_path), "--cross-json", str(cross_json)])
    assert result.exit_code == 0, result.output
    (written,) = json.loads(cross_json.read_text())
    assert (written["ratio"], written["domain_1"], written["domain_2"]) == (4, "genome", "text")
    assert (written["n_1"], written["n_2"]) == (4, 3)
    assert "a bits/base" in result.output
    assert "a bits/char" in result.output
    assert "cross-domain" in result.output
    content = build_report(tmp_path)
    titles = [section.title for section in content.sections]
    assert any(title.startswith("Cross-domain") for title in titles)
    assert "cross-domain-gain-kept" in [plot.name for plot in content.plots]
