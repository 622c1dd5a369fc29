"""Every subcommand answers --help without importing torch at group level."""

from __future__ import annotations

import subprocess
import sys

import pytest
from click.testing import CliRunner

from genoenc.cli import _COMMANDS, cli


@pytest.mark.parametrize("command", sorted(_COMMANDS))
def test_subcommand_help(command: str) -> None:
    result = CliRunner().invoke(cli, [command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output


def test_group_help_does_not_import_torch() -> None:
    code = (
        "import sys; from genoenc.cli import cli; cli(['--help'], standalone_mode=False); "
        "print('torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "False"


def test_unknown_input_option_exits_2() -> None:
    result = CliRunner().invoke(cli, ["train", "--no-such-option"])
    assert result.exit_code == 2
