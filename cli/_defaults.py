"""Defaults in option help, read from the package when help is drawn (never a copy).

An option's help names a default as ``[{section.field}]`` (``[{model.arch}]``,
``[{score.batch_size}]``) or a package constant (``{MIN_CONTEXT}``);
:func:`package_defaults` fills these in from the config dataclasses when click draws the
help, so ``genoenc --help`` still never imports torch.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from typing import Any, TypeVar

import click

__all__ = ["package_defaults"]

F = TypeVar("F", bound=Callable[..., Any])

_KEY = re.compile(r"\{([\w.]+)\}")


def _shown(value: object) -> str:
    """A default as help shows it: ``yes``/``no``, ``65,536``, else ``str``."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _fields(prefix: str, config: Any) -> dict[str, str]:
    """``{"prefix.field": shown default}`` for every field of a config dataclass."""
    return {
        f"{prefix}.{fld.name}": _shown(getattr(config, fld.name))
        for fld in dataclasses.fields(config)
    }


def _defaults() -> dict[str, str]:
    """Every default an option's help may name. Imported only when help is drawn (it
    imports torch)."""
    from genoenc.compare import CompareConfig
    from genoenc.score import ScoreConfig
    from genoenc.tokenize.config import (
        DEFAULT_BPE_VOCAB,
        DEFAULT_WORD_VOCAB,
        MAX_TEXT_VOCAB,
        MIN_WORD_VOCAB,
    )
    from genoenc.train.config import (
        KMER_CONTEXT,
        KMER_HEAD,
        MIN_CONTEXT,
        TEXT_D_MODEL,
        TEXT_DROPOUT,
        TEXT_TOKENS_BUDGET,
        RunConfig,
    )

    shown = {
        name: _shown(value)
        for name, value in (
            ("MIN_CONTEXT", MIN_CONTEXT),
            ("KMER_CONTEXT", KMER_CONTEXT),
            ("KMER_HEAD", KMER_HEAD),
            ("TEXT_D_MODEL", TEXT_D_MODEL),
            ("TEXT_TOKENS_BUDGET", TEXT_TOKENS_BUDGET),
            ("TEXT_DROPOUT", TEXT_DROPOUT),
            ("MIN_WORD_VOCAB", MIN_WORD_VOCAB),
            ("MAX_TEXT_VOCAB", MAX_TEXT_VOCAB),
            ("DEFAULT_BPE_VOCAB", DEFAULT_BPE_VOCAB),
            ("DEFAULT_WORD_VOCAB", DEFAULT_WORD_VOCAB),
        )
    }
    cfg = RunConfig()
    for section in dataclasses.fields(cfg):
        stage = getattr(cfg, section.name)
        if dataclasses.is_dataclass(stage):
            shown |= _fields(section.name, stage)
    shown |= _fields("score", ScoreConfig())
    shown |= _fields("compare", CompareConfig())
    return shown


def _fill_lazily(param: click.Option) -> None:
    """Fill the ``{key}`` fields of ``param``'s help when the help is drawn."""
    template = param.help or ""
    draw = param.get_help_record

    def get_help_record(ctx: click.Context) -> tuple[str, str] | None:
        shown = _defaults()
        param.help = _KEY.sub(lambda m: shown[m.group(1)], template)
        return draw(ctx)

    param.get_help_record = get_help_record  # type: ignore[method-assign]


def package_defaults(func: F) -> F:
    """Have every option of ``func`` (a command, or a function with the options applied
    so far) show package defaults in its help."""
    params = (
        func.params if isinstance(func, click.Command) else getattr(func, "__click_params__", [])
    )
    for param in params:
        if isinstance(param, click.Option) and param.help and "{" in param.help:
            _fill_lazily(param)
    return func
