"""``genoenc compare``: the comparison table of finished runs (run directories or sweeps)."""

from __future__ import annotations

import click

from ._defaults import package_defaults
from ._options import OptionError, margin_option
from ._output import STDOUT, reserve_stdout, write_once


@package_defaults
@click.command()
@click.argument("runs", nargs=-1, required=True, type=click.Path(exists=True, file_okay=False))
@click.option(
    "--json",
    "json_out",
    type=click.Path(dir_okay=False, allow_dash=True),
    help="Also write the rows here, one JSON object per row with DESIGN's keys "
    "('-': stdout, the table then goes to stderr).",
)
@click.option(
    "--json-extras",
    is_flag=True,
    help="Add domain, metric, unit, ratio, seeds, unpaired_seeds and reason to --json rows.",
)
@click.option(
    "--cross-json",
    type=click.Path(dir_okay=False, allow_dash=True),
    help="Write the cross-domain rows here (genome and text runs together; '-': stdout).",
)
@margin_option
def compare(
    runs: tuple[str, ...],
    json_out: str | None,
    json_extras: bool,
    cross_json: str | None,
    margin: float | None,
) -> None:
    """Compare the arms of finished RUNS (run directories or sweep folders), paired by seed.

    Per condition (data, tokenizer, ratio): learned against each autoencoder arm, and every
    arm against full; one table per unit (bits/base, bits/char). With several domains, a
    cross-domain table follows: per ratio, is learned minus autoencoder the same in both
    (Welch test on the per-seed differences, gain-kept scale and raw). Runs that cannot be
    used are listed as notes after the tables.
    """
    import json

    from genoenc.compare import (
        CompareConfig,
        compare_runs,
        cross_domain_rows,
        cross_rows_to_json,
        format_cross_table,
        format_table,
        load_runs,
        rows_to_json,
    )

    if json_out == cross_json == STDOUT:
        raise OptionError("--json - and --cross-json -: only one of them can write to stdout")
    if STDOUT in (json_out, cross_json):
        reserve_stdout()
    config = CompareConfig() if margin is None else CompareConfig(margin=margin)
    results, problems = load_runs(runs)
    rows, more = compare_runs(results, config)
    cross, _ = cross_domain_rows(results, config)
    outputs = (
        (json_out, rows_to_json(rows, extras=json_extras)),
        (cross_json, cross_rows_to_json(cross)),
    )
    for path, objects in outputs:
        if path:
            write_once(path, json.dumps(objects, indent=2, allow_nan=False) + "\n")
    # With a '-' output, stdout carries the JSON alone; the table goes to stderr.
    err = STDOUT in (json_out, cross_json)
    click.echo(format_table(rows), err=err)
    if cross:  # genome and text runs together: is the difference the same in both?
        click.echo("\n" + format_cross_table(cross), err=err)
    for problem in [*problems, *more]:
        click.echo(f"note: {problem}", err=err)
