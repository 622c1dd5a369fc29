"""``genoenc compare``: the comparison table of finished runs (run directories or sweeps)."""

from __future__ import annotations

import click

from ._options import margin_option


@click.command()
@click.argument("runs", nargs=-1, required=True, type=click.Path(exists=True, file_okay=False))
@click.option(
    "--json",
    "json_out",
    type=click.Path(dir_okay=False),
    help="Also write the rows here, one JSON object per row with DESIGN's keys.",
)
@click.option(
    "--json-extras",
    is_flag=True,
    help="Add domain, metric, unit, ratio, seeds, unpaired_seeds and reason to --json rows.",
)
@click.option(
    "--cross-json",
    type=click.Path(dir_okay=False),
    help="Write the cross-domain rows here (genome and text runs together).",
)
@margin_option
def compare(
    runs: tuple[str, ...],
    json_out: str | None,
    json_extras: bool,
    cross_json: str | None,
    margin: float,
) -> None:
    """Compare the arms of finished RUNS (run directories or sweep folders), paired by seed.

    Per condition (data, tokenizer, ratio): learned against each autoencoder arm, and every
    arm against full; one table per unit (bits/base, bits/char). With several domains, a
    cross-domain table follows: per ratio, is learned minus autoencoder the same in both
    (Welch test on the per-seed differences, gain-kept scale and raw). Runs that cannot be
    used are listed as notes after the tables.
    """
    import json
    from pathlib import Path

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
    from genoenc.train.rundir import atomic_write_bytes

    config = CompareConfig(margin=margin)
    results, problems = load_runs(runs)
    rows, more = compare_runs(results, config)
    cross, _ = cross_domain_rows(results, config)
    outputs = (
        (json_out, rows_to_json(rows, extras=json_extras)),
        (cross_json, cross_rows_to_json(cross)),
    )
    for path, objects in outputs:
        if path:
            text = json.dumps(objects, indent=2, allow_nan=False) + "\n"
            atomic_write_bytes(Path(path), text.encode())
    click.echo(format_table(rows))
    if cross:  # genome and text runs together: is the difference the same in both?
        click.echo("\n" + format_cross_table(cross))
    for problem in [*problems, *more]:
        click.echo(f"note: {problem}")
