"""Reports: the self-contained HTML, its Markdown twin with PNG files, plots, the CLI."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from genoenc.cli import cli
from genoenc.compare import load_runs
from genoenc.errors import ConfigError, RunDirError
from genoenc.report import (
    LEARNED_NOTHING_CLASS,
    PlotConfig,
    ReportConfig,
    build_report,
    plot_bits_vs_bytes,
    plot_bits_vs_ratio,
    plot_learning_curves,
    write_report,
)
from tests.compare.fakes import MARKOV, write_run, write_sweep

PNG = b"\x89PNG\r\n\x1a\n"
SMALL = ReportConfig(plot=PlotConfig(width=3, height=2, dpi=40))


@pytest.fixture
def sweep(tmp_path: Path) -> Path:
    root = tmp_path / "sweep"
    write_sweep(
        root,
        {
            ("full", 1): [1.80, 1.81, 1.79],
            ("learned", 2): [1.82, 1.83, 1.83],
            ("learned", 4): [1.85, 1.86, 1.84],
            ("autoencoder", 4): [1.95, 1.97, 1.96],
        },
    )
    write_run(root, strategy="autoencoder", ratio=2, seed=0, value=1.949, learned_nothing=True)
    write_run(root, strategy="learned", ratio=8, seed=0, value=1.9, finished=False)
    return root


def test_write_report_html_and_markdown(sweep: Path, tmp_path: Path) -> None:
    out = tmp_path / "out" / "report.html"
    files = write_report(sweep, out, SMALL)
    assert files.html == out
    assert files.markdown == out.with_suffix(".md")
    page = out.read_text()
    # Self-contained: embedded plots and style, nothing fetched from elsewhere.
    images = re.findall(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(images) == 3
    assert all(base64.b64decode(image).startswith(PNG) for image in images)
    assert "<script" not in page
    assert "<link" not in page
    assert "http" not in page
    # The table with its verdicts and units.
    assert "<th class=num>diff bits/base</th>" in page
    assert (
        '<td class="wrap">ecoli/<wbr>k1s1/<wbr>r4</td><td>learned</td><td>autoencoder</td>' in page
    )
    assert 'class="verdict-better">better</td>' in page
    # The red learned-nothing marker names the run.
    assert f".{LEARNED_NOTHING_CLASS} {{ color: #d62728" in page
    marked = re.search(rf'<ul class="{LEARNED_NOTHING_CLASS}">(.*?)</ul>', page)
    assert marked
    assert "autoencoder-r2/seed0" in marked.group(1)
    assert f'<tr class="{LEARNED_NOTHING_CLASS}"><td>ecoli/k1s1/autoencoder-r2/seed0' in page
    # Configuration from sweep.json, and the problems.
    assert "sweep.json" in page
    assert "&quot;strategies&quot;" in page
    assert "learned-r8/seed0: unfinished" in page
    # Each run's test figure sits beside its best Markov model (a count table) and its order.
    assert "<th class=num>best Markov bits/base</th>" in page
    assert f'<td class="num">{MARKOV:.4f} (k=3)</td>' in page

    markdown = files.markdown.read_text()
    assert "| condition | arm a | arm b |" in markdown
    assert "learned nothing" in markdown
    assert "ecoli/k1s1/autoencoder-r2/seed0" in markdown
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", markdown)
    assert len(links) == 3
    assert sorted(out.parent / link for link in links) == sorted(files.images)
    for link in links:
        assert (out.parent / link).read_bytes().startswith(PNG)
    # Atomic writes leave no temporary file behind.
    assert sorted(p.name for p in out.parent.iterdir()) == sorted(
        ["report.html", "report.md", *links]
    )


def test_report_without_sweep_json_shows_distinct_settings(tmp_path: Path) -> None:
    write_sweep(
        tmp_path / "runs",
        {("learned", 4): [1.8, 1.81], ("autoencoder", 4): [1.9, 1.9]},
        sweep_json=False,
    )
    content = build_report(tmp_path / "runs", SMALL)
    settings = json.loads(content.config_text)
    assert len(settings) == 1
    assert settings[0]["strategies"] == ["learned", "autoencoder"]
    assert settings[0]["seeds"] == [0, 1]
    assert settings[0]["config"]["train.lr"] == 0.003
    assert "train.seed" not in settings[0]["config"]
    assert "No sweep.json" in content.config_origin


def test_text_report_uses_bits_per_char(tmp_path: Path) -> None:
    write_sweep(
        tmp_path / "t",
        {("learned", 4): [2.1, 2.2], ("autoencoder", 4): [2.3, 2.4]},
        domain="text",
        data="wiki",
    )
    files = write_report(tmp_path / "t", tmp_path / "r.html", SMALL)
    page = files.html.read_text()
    assert "diff bits/char" in page
    assert "bits/base" not in page


def test_report_errors(tmp_path: Path) -> None:
    write_run(tmp_path / "s", strategy="learned", ratio=4, seed=0, value=1.8, finished=False)
    with pytest.raises(RunDirError, match="no finished run"):
        write_report(tmp_path / "s", tmp_path / "r.html", SMALL)
    with pytest.raises(ConfigError, match=r"\.md"):
        write_report(tmp_path / "s", tmp_path / "r.md", SMALL)
    assert not (tmp_path / "r.html").exists()
    assert not (tmp_path / "r.md").exists()


def test_plots_are_png_or_none(sweep: Path, tmp_path: Path) -> None:
    runs, _ = load_runs([sweep])
    config = SMALL.plot
    for plot in (plot_bits_vs_ratio, plot_bits_vs_bytes, plot_learning_curves):
        png = plot(runs, "title", config)
        assert png is not None
        assert png.startswith(PNG)
        assert plot([], "empty", config) is None
    write_run(tmp_path / "nolog", strategy="learned", ratio=4, seed=0, value=1.8, log_points=0)
    bare, _ = load_runs([tmp_path / "nolog"])
    assert plot_learning_curves(bare, "no log", config) is None


def test_plot_config_checks_fields() -> None:
    with pytest.raises(ConfigError, match=r"report\.dpi"):
        PlotConfig(dpi=5)
    with pytest.raises(ConfigError, match=r"report\.width"):
        PlotConfig(width=0)


def test_cli_report(sweep: Path, tmp_path: Path) -> None:
    out = tmp_path / "cli" / "report.html"
    out.parent.mkdir()
    result = CliRunner().invoke(cli, ["report", str(sweep), "-o", str(out), "--margin", "0.05"])
    assert result.exit_code == 0, result.output
    assert out.exists()
    assert out.with_suffix(".md").exists()
    assert f"report     {out}" in result.stdout
    assert any(
        line.startswith("note: ") and "unfinished" in line for line in result.stdout.splitlines()
    )
    assert "±0.05 bits/base" in out.read_text()


def test_cli_report_errors(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = CliRunner().invoke(
        cli, ["report", str(tmp_path / "empty"), "-o", str(tmp_path / "r.html")]
    )
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [f"Error: {tmp_path / 'empty'}: no finished run"]
    result = CliRunner().invoke(
        cli, ["report", str(tmp_path / "empty"), "-o", str(tmp_path / "r.md")]
    )
    assert result.exit_code == 2
    result = CliRunner().invoke(cli, ["report", "--help"])
    assert result.exit_code == 0
    assert "--margin" in result.stdout


def test_learned_nothing_names_the_kmer_unigram(tmp_path: Path) -> None:
    run = write_run(
        tmp_path, strategy="learned", ratio=4, seed=0, value=1.9634, k=6, learned_nothing=True
    )
    metrics = json.loads((run / "metrics.json").read_text())
    metrics["reference"]["order0_token_bits"] = 1.9630
    (run / "metrics.json").write_text(json.dumps(metrics))
    files = write_report(tmp_path, tmp_path / "out" / "report.html", SMALL)
    assert "order-0 1.9500, k-mer unigram 1.9630" in files.html.read_text()
    assert "k-mer unigram 1.9630" in files.markdown.read_text()
