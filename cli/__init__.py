"""The ``genoenc`` command group.

Subcommands live one per file and are imported only when called, so
``genoenc --help`` stays fast (torch is never imported for it). User errors
become one line on stderr: exit 1 for data, exit 2 for options.
"""

from __future__ import annotations

import importlib
import logging
import sys
from typing import Any

import click

from genoenc import __version__

__all__ = ["main"]

# name -> "module:function" (imported lazily)
_COMMANDS = {
    "train": "genoenc.cli.train:train",
    "tokenize": "genoenc.cli.tokenize:tokenize",
    "eval": "genoenc.cli.eval:eval_",
    "baseline": "genoenc.cli.baseline:baseline",
    "sweep": "genoenc.cli.sweep:sweep",
    "compare": "genoenc.cli.compare:compare",
    "report": "genoenc.cli.report:report",
    "study": "genoenc.cli.study:study",
    "export": "genoenc.cli.export:export",
    "score": "genoenc.cli.score:score",
}


class _LazyGroup(click.Group):
    """A group whose subcommands are imported on first use (the click docs' lazy group)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(_COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = _COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        command = getattr(importlib.import_module(module_name), attr)
        assert isinstance(command, click.Command)
        return command

    def invoke(self, ctx: click.Context) -> Any:
        from genoenc.errors import ConfigError, GenoencError

        try:
            return super().invoke(ctx)
        except ConfigError as exc:
            _debug_traceback(ctx)
            raise click.exceptions.UsageError(self._option_names(ctx, str(exc))) from None
        except GenoencError as exc:
            _debug_traceback(ctx)
            raise click.ClickException(self._option_names(ctx, str(exc))) from None
        except OSError as exc:
            if isinstance(exc, BrokenPipeError):
                sys.stderr.close()
                ctx.exit(0)
            _debug_traceback(ctx)
            where = f"{exc.filename}: " if exc.filename else ""
            raise click.ClickException(f"{where}{exc.strerror or exc}") from None

    def _option_names(self, ctx: click.Context, message: str) -> str:
        """Name the command's option beside a config key: ``--block-tokens
        (split.block_tokens)``, so a CLI user reads the option they can change."""
        name = ctx.invoked_subcommand
        command = self.get_command(ctx, name) if name else None
        if command is None:
            return message
        from ._options import option_for_key

        offered = {opt for param in command.params for opt in param.opts}
        return option_for_key(message, offered)


def _debug_traceback(ctx: click.Context) -> None:
    if ctx.obj and ctx.obj.get("debug"):
        logging.getLogger("genoenc").exception("traceback (--debug)")


class _StderrFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING


def setup_logging(verbose: int, debug: bool) -> None:
    """INFO lines without a prefix on stdout; WARNING and above on stderr (cutadapt's split)."""
    level = logging.DEBUG if debug else (logging.INFO if verbose >= 0 else logging.WARNING)
    root = logging.getLogger("genoenc")
    root.handlers.clear()
    root.setLevel(level)
    root.propagate = False
    info = logging.StreamHandler(sys.stdout)
    info.setFormatter(logging.Formatter("%(message)s"))
    info.addFilter(lambda r: r.levelno < logging.WARNING)
    err = logging.StreamHandler(sys.stderr)
    err.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    err.addFilter(_StderrFilter())
    root.addHandler(info)
    root.addHandler(err)


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="genoenc")
@click.option("-q", "--quiet", is_flag=True, help="Only warnings and errors.")
@click.option("--debug", is_flag=True, help="Debug logging; tracebacks of user errors.")
@click.pass_context
def cli(ctx: click.Context, quiet: bool, debug: bool) -> None:
    """genoenc: learned vs autoencoder-compressed token encodings, on genomes and text."""
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug
    setup_logging(-1 if quiet else 0, debug)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="genoenc")
