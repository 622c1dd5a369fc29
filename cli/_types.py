"""Reusable option types (cooler's ``DelimitedTuple`` idea), and choices read from the package."""

from __future__ import annotations

import importlib
from typing import Any

import click

__all__ = ["CommaList", "PackageChoice", "TokenizerList"]


class CommaList(click.ParamType):
    """A comma-separated list, each item converted by ``item_type``.

    >>> CommaList(int).convert("2,4,8", None, None)
    (2, 4, 8)
    """

    name = "list"

    def __init__(self, item_type: type = str) -> None:
        self.item_type = item_type

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, tuple):
            return value
        try:
            return tuple(self.item_type(v.strip()) for v in str(value).split(",") if v.strip())
        except ValueError:
            self.fail(
                f"{value!r} is not a comma-separated list of {self.item_type.__name__}", param, ctx
            )


class TokenizerList(click.ParamType):
    """``K`` or ``K:STRIDE`` items, comma-separated.

    >>> TokenizerList().convert("1,6,6:1", None, None)
    ({'k': 1}, {'k': 6, 'stride': 6}, {'k': 6, 'stride': 1})
    """

    name = "k[:stride],..."

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, tuple):
            return value
        items = []
        for part in str(value).split(","):
            k_text, _, stride_text = part.strip().partition(":")
            try:
                k = int(k_text)
                item: dict[str, int] = {"k": k}
                if k > 1:
                    item["stride"] = int(stride_text) if stride_text else k
                items.append(item)
            except ValueError:
                self.fail(f"{part!r} is not K or K:STRIDE", param, ctx)
        return tuple(items)


class PackageChoice(click.Choice):
    """A choice among the values of a package constant, read when click first needs them.

    ``PackageChoice("genoenc.models.task", "HEADS")`` offers ``HEADS`` as the package
    defines it; the module is imported only to parse the option or draw its help, so
    listing the commands never imports torch.

    >>> PackageChoice("genoenc.tokenize.config", "STORE_KINDS").convert("byte", None, None)
    'byte'
    """

    def __init__(self, module: str, name: str) -> None:
        self._where = (module, name)
        self._values: tuple[str, ...] | None = None
        self.case_sensitive = True

    @property
    def choices(self) -> tuple[str, ...]:
        if self._values is None:
            module, name = self._where
            self._values = tuple(getattr(importlib.import_module(module), name))
        return self._values

    @choices.setter
    def choices(self, values: tuple[str, ...]) -> None:
        self._values = tuple(values)
