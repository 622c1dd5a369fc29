"""The report as a person reads it (issue 13): the verdict fits a 1,280 px window, the
summary counts flagged runs, references and curves are told apart, conditions name the
data, the configuration is a table."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from genoenc.cli import cli
from genoenc.compare import load_runs
from genoenc.report import PlotConfig, ReportConfig, _plots, build_report, render_html, write_report
from tests.compare.fakes import write_run, write_sweep

SMALL = ReportConfig(plot=PlotConfig(width=3, height=2, dpi=40))


@pytest.fixture
def sweep(tmp_path: Path) -> Path:
    root = tmp_path / "sweep"
    write_sweep(
        root,
        {
            ("full", 1): [1.80, 1.81, 1.79],
            ("learned", 2): [1.82, 1.83, 1.83],
            ("autoencoder", 8): [1.95, 1.97, 1.96],
        },
    )
    for seed in range(3):
        write_run(root, strategy="learned", ratio=8, seed=seed, value=1.949, learned_nothing=True)
    return root


def _comparison_headers(page: str) -> list[str]:
    table = page[page.index("<h2>Comparison</h2>") :]
    head = re.search(r"<thead><tr>(.*?)</tr></thead>", table)
    assert head
    return re.findall(r"<th[^>]*>(.*?)</th>", head.group(1))


def test_verdict_comes_right_after_the_arms(sweep: Path) -> None:
    page = render_html(build_report(sweep, SMALL))
    headers = _comparison_headers(page)
    assert headers[:4] == ["condition", "arm a", "arm b", "verdict"]
    # Header cells and long cells may wrap; the condition breaks after its slashes.
    assert "th { text-align: left; background: #f4f4f4; white-space: normal;" in page
    assert '<td class="wrap">ecoli/<wbr>k1s1/<wbr>r2</td>' in page


def test_summary_counts_flagged_runs(sweep: Path, tmp_path: Path) -> None:
    content = build_report(sweep, SMALL)
    page = render_html(content)
    assert "3 of 12 runs flagged learned_nothing" in page
    assert '<span class="flagged">3 of 12 runs flagged learned_nothing</span>' in page
    result = CliRunner().invoke(cli, ["report", str(sweep), "-o", str(tmp_path / "r.html")])
    assert result.exit_code == 0, result.output
    assert "12 runs (3 flagged learned_nothing)" in result.stdout
    files = write_report(sweep, tmp_path / "m.html", SMALL)
    assert "3 of 12 runs flagged learned_nothing" in files.markdown.read_text()


def _capture_figures(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    figures: list[Any] = []

    def keep(figure: Any, config: Any) -> bytes:
        figures.append(figure)
        return b"png"

    monkeypatch.setattr(_plots, "_png", keep)
    return figures


def test_reference_lines_differ_in_colour_style_and_marker(
    sweep: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    figures = _capture_figures(monkeypatch)
    runs, _ = load_runs([sweep])
    _plots.plot_bits_vs_ratio(runs, "t", SMALL.plot)
    axes = figures[0].axes[0]
    marked = {
        line.get_label().split()[0]: line
        for line in axes.get_lines()
        if line.get_label().startswith(("uniform", "order-0", "Markov"))
    }
    assert set(marked) == {"uniform", "order-0", "Markov"}
    for attribute in ("get_color", "get_linestyle", "get_marker"):
        values = {getattr(line, attribute)() for line in marked.values()}
        assert len(values) == 3, attribute
    # Markers sit at different places, so equal levels still show two references.
    assert len({line.get_xdata()[0] for line in marked.values()}) == 3


def test_learning_curve_style_is_the_ratio_not_the_flag(
    sweep: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    figures = _capture_figures(monkeypatch)
    runs, _ = load_runs([sweep])
    _plots.plot_learning_curves(runs, "t", SMALL.plot)
    axes = figures[0].axes[0]
    curves = [line for line in axes.get_lines() if len(line.get_xdata()) > 1]
    styles = {line.get_linestyle() for line in curves}
    assert styles == {"-", "--", ":"}  # ratios 1, 2, 8; flagged runs are not drawn differently
    labels = [text.get_text() for text in axes.get_legend().get_texts()]
    for label in ("full", "learned", "autoencoder", "ratio 2", "ratio 8", "learned nothing"):
        assert label in labels


def test_conditions_name_the_genome_of_old_data_sweeps(tmp_path: Path) -> None:
    """Sweeps made before the dataset took the input's name called it "data"."""
    root = tmp_path / "old"
    write_sweep(root, {("learned", 4): [1.8, 1.81], ("autoencoder", 4): [1.9, 1.9]}, data="data")
    for metrics_file in root.rglob("metrics.json"):
        metrics = json.loads(metrics_file.read_text())
        metrics["sources"] = [{"path": "/genomes/lambda_virus.fa"}]
        metrics_file.write_text(json.dumps(metrics))
    content = build_report(root, SMALL)
    assert {row.condition for row in content.rows} == {"lambda_virus/k1s1/r4"}


def test_sweep_names_its_dataset_after_the_input(tmp_path: Path) -> None:
    fasta = Path(__file__).resolve().parents[2] / "data" / "samples" / "lambda_virus.fa"
    args = ["sweep", "--fasta", str(fasta), "--strategies", "full", "--seeds", "1"]
    result = CliRunner().invoke(cli, [*args, "--out", str(tmp_path / "s"), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "lambda_virus/k1s1/full/seed0" in result.output


def test_configuration_is_a_table(sweep: Path) -> None:
    content = build_report(sweep, SMALL)
    grid, settings = content.config_tables
    rows = dict((row[0], row[1]) for row in grid.rows)
    assert rows["strategies"] == "autoencoder, full, learned"
    assert rows["tokenizers"] == "k1s1"
    assert dict((row[0], row[1]) for row in settings.rows)["train.lr"] == "0.003"
    page = render_html(content)
    assert '<table class="config">' in page
    assert "<details><summary>The same as JSON</summary>" in page


_CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(_CHROMIUM is None, reason="needs headless Chromium")
@pytest.mark.parametrize("width", [1280, 1900])
def test_comparison_table_fits_the_window_in_chromium(
    sweep: Path, tmp_path: Path, width: int
) -> None:
    """Render in headless Chromium and read back the table's and the verdicts' extent."""
    page = render_html(build_report(sweep, SMALL))
    probe = (
        "<script>const t = document.querySelector('h2 + div.wide table');"
        "const v = [...t.querySelectorAll('td.verdict-better, td.verdict-worse, "
        "td.verdict-equivalent, td.verdict-inconclusive')];"
        "document.body.setAttribute('data-fit', JSON.stringify({table: "
        "t.getBoundingClientRect().right, verdict: Math.max(...v.map("
        "c => c.getBoundingClientRect().right)), window: window.innerWidth}));</script>"
    )
    html_file = tmp_path / "probe.html"
    html_file.write_text(page.replace("</body>", probe + "</body>"))
    profile = tmp_path / "profile"
    out = subprocess.run(
        [
            str(_CHROMIUM),
            *("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic"),
            *("--no-first-run", "--disable-background-networking"),
            *("--disable-component-update", "--disable-sync", "--hide-scrollbars"),
            f"--user-data-dir={profile}",
            f"--window-size={width},900",
            "--dump-dom",
            html_file.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    found = re.search(r'data-fit="([^"]+)"', out.stdout)
    assert found, out.stdout[-500:]
    import html

    fit = json.loads(html.unescape(found.group(1)))
    assert fit["verdict"] <= fit["window"]
    assert fit["table"] <= fit["window"]
