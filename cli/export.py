"""``genoenc export``: a finished run as a Hugging Face folder."""

from __future__ import annotations

import click


@click.command("export")
@click.argument("run", type=click.Path(file_okay=False, exists=True))
@click.option(
    "-o", "--out", required=True, type=click.Path(file_okay=False), help="Folder to write."
)
@click.option(
    "--verify/--no-verify",
    default=True,
    show_default=True,
    help="Load the folder back with transformers and check its logits against genoenc's.",
)
@click.option("--json", "json_out", type=click.Path(dir_okay=False), help="Write the result here.")
def export(run: str, out: str, verify: bool, json_out: str | None) -> None:
    """Export the trained RUN for Hugging Face transformers (loads without genoenc)."""
    from pathlib import Path

    from genoenc.export import export_run
    from genoenc.rundir import atomic_write_json

    result = export_run(run, out, verify=verify)
    if json_out:
        atomic_write_json(Path(json_out), result)
    params = result["params"]
    click.echo(f"export     {result['out']} ({', '.join(result['files'])})")
    click.echo(
        f"params     encoding {params['encoding']:,}   task model {params['task_model']:,}   "
        f"{result['bytes']:,} bytes (float32)"
    )
    if result["max_abs_diff"] is not None:
        click.echo(
            f"checked    transformers logits match genoenc's (max |diff| "
            f"{result['max_abs_diff']:.2g})"
        )
