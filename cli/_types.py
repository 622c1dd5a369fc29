"""Reusable option types (cooler's ``DelimitedTuple`` idea)."""

from __future__ import annotations

from typing import Any

import click

__all__ = ["CommaList", "TokenizerList"]


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
