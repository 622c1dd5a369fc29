"""Type checks of config values against the stage dataclasses' annotations.

A config file is data typed by hand (and YAML guesses types), so every value is
checked against the field it sets before a dataclass sees it: a wrong type is one
line naming the key, never a comparison error deep inside a stage.

The rules, per annotation:

- ``int``: an integer; ``true``/``false`` and strings are refused (``seed: "1"`` is an
  error naming ``train.seed``), and so is a float, even a whole one.
- ``float``: an integer or a float; also a string that reads as a number, because
  YAML 1.1 (PyYAML) reads ``3e-3`` (no dot) as the string ``"3e-3"``; the string is
  converted. ``nan``/``inf`` spelled as strings are refused.
- ``bool``: ``true`` or ``false`` only.
- ``str``: a string.
- ``tuple[X, ...]``: a list (or tuple) of ``X``; a single string is refused rather than
  split into characters.
- ``X | None``: ``null`` or an ``X``.

The stages' own ``__post_init__`` checks (ranges, choices) run afterwards, on values
of the right type.
"""

from __future__ import annotations

import dataclasses
import math
import re
import types
import typing
from collections.abc import Mapping
from functools import cache
from typing import Any

from genoenc.errors import ConfigError

__all__ = ["check_section"]

# A decimal number as YAML 1.2 and JSON write it: 3e-3, 1E5, .5, -2.0e+4.
_NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")


@cache
def _hints(stage_type: type) -> dict[str, Any]:
    return typing.get_type_hints(stage_type)


def _type_name(hint: Any) -> str:
    if hint is type(None):
        return "null"
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_type_name(a) for a in typing.get_args(hint))
    if origin is tuple:
        return f"a list of {_type_name(typing.get_args(hint)[0])}"
    return {int: "an integer", float: "a number", bool: "true or false", str: "a string"}.get(
        hint, getattr(hint, "__name__", str(hint))
    )


def _describe(value: Any) -> str:
    text = repr(value)
    if len(text) > 40:
        text = text[:37] + "..."
    kind = {bool: "a boolean", int: "an integer", float: "a number", str: "a string"}.get(
        type(value), f"a {type(value).__name__}"
    )
    if isinstance(value, list):
        kind = "a list"
    elif isinstance(value, dict):
        kind = "a mapping"
    elif value is None:
        kind = "null"
    return f"{text} ({kind})"


class _Mismatch(Exception):
    pass


def _convert(hint: Any, value: Any) -> Any:
    """Return ``value`` as ``hint`` asks, or raise :class:`_Mismatch`."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        for option in typing.get_args(hint):
            if option is type(None):
                if value is None:
                    return None
                continue
            try:
                return _convert(option, value)
            except _Mismatch:
                continue
        raise _Mismatch
    if origin is tuple:
        if not isinstance(value, list | tuple):
            raise _Mismatch
        item = typing.get_args(hint)[0]
        return tuple(_convert(item, v) for v in value)
    if hint is bool:
        if isinstance(value, bool):
            return value
        raise _Mismatch
    if hint is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise _Mismatch
    if hint is float:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value) if isinstance(value, int) else value
        if isinstance(value, str) and _NUMBER.fullmatch(value.strip()):
            number = float(value)
            if math.isfinite(number):
                return number
        raise _Mismatch
    if hint is str:
        if isinstance(value, str):
            return value
        raise _Mismatch
    if hint is Any:
        return value
    return value  # an annotation this checker does not know: the stage checks it


def check_section(section: str, stage_type: type, values: Mapping[str, Any]) -> dict[str, Any]:
    """Check and convert one section's values against ``stage_type``'s field annotations.

    Args:
        section: The section's name in the config (``train``), for messages.
        stage_type: The stage's dataclass (``TrainConfig``).
        values: ``{field: value}`` as read from a file or given as options.

    Returns:
        The values, converted where the rules allow (numeric strings to floats, lists to
        tuples).

    Raises:
        ConfigError: An unknown field or a value of the wrong type; the message names
            ``section.field``, the value and the type expected.

    >>> from genoenc.train.config import TrainConfig
    >>> check_section("train", TrainConfig, {"lr": "3e-3"})
    {'lr': 0.003}
    >>> check_section("train", TrainConfig, {"seed": "1"})
    Traceback (most recent call last):
    ...
    genoenc.errors.ConfigError: train.seed must be an integer, got '1' (a string)
    """
    hints = _hints(stage_type)
    known = {f.name for f in dataclasses.fields(stage_type)}
    checked: dict[str, Any] = {}
    for key, value in values.items():
        if key not in known:
            raise ConfigError(
                f"unknown config field {section}.{key} (known: {', '.join(sorted(known))})"
            )
        hint = hints[key]
        try:
            checked[key] = _convert(hint, value)
        except _Mismatch:
            raise ConfigError(
                f"{section}.{key} must be {_type_name(hint)}, got {_describe(value)}"
            ) from None
    return checked
