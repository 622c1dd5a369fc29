"""Progress: a bar on a terminal, otherwise one log line per interval (cutadapt's rule).

Both show the rate and the time left: the bar through tqdm (steps/s, ETA, and tokens/s
beside the loss), the log lines as ``train: step 41/489 (8%), loss 1.9021, 28,104
tokens/s, ETA 3m12s``. Rates count from the first step this process saw, so a resumed
run is not credited with the steps it skipped.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

logger = logging.getLogger("genoenc")

#: (step, total steps, last loss), as genoenc.train.ProgressFn (not imported: keeps --help fast).
ProgressFn = Callable[[int, int, float], None]

__all__ = ["Progress", "ProgressFn", "format_duration", "progress_reporter"]


def format_duration(seconds: float) -> str:
    """A short duration: ``45s``, ``3m12s``, ``2h05m``.

    >>> format_duration(45.2), format_duration(192), format_duration(7500)
    ('45s', '3m12s', '2h05m')
    """
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


class Progress:
    """The ``(step, total, loss)`` callback of a run, with its rate and time left.

    Attributes:
        label: The line's prefix (``train``, ``run``).
        tokens_per_step: Input tokens per optimiser step (batch x context), for the
            tokens/s figure; a sweep sets it per cell. ``None`` shows steps/s only.
        interval: Seconds between log lines off a terminal.
    """

    def __init__(
        self,
        label: str,
        *,
        tokens_per_step: int | None = None,
        interval: float = 30.0,
        terminal: bool | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.label = label
        self.tokens_per_step = tokens_per_step
        self.interval = interval
        self.terminal = sys.stderr.isatty() if terminal is None else terminal
        self._clock = clock
        self._bar: Any = None
        self._total = -1
        self._first: tuple[int, float] = (0, 0.0)
        self._last_line = float("-inf")

    def rate(self, step: int, now: float) -> float | None:
        """Steps per second since the first step seen, or ``None`` before there is one."""
        first_step, first_time = self._first
        if step <= first_step or now <= first_time:
            return None
        return (step - first_step) / (now - first_time)

    def describe(self, step: int, total: int, loss: float, now: float) -> str:
        """One progress line (without the label)."""
        parts = [f"step {step:,}/{total:,} ({100 * step / max(total, 1):.0f}%)"]
        parts.append(f"loss {loss:.4f}")
        rate = self.rate(step, now)
        if rate is None:
            parts.append("ETA after the next step")
        else:
            if self.tokens_per_step:
                parts.append(f"{rate * self.tokens_per_step:,.0f} tokens/s")
            else:
                parts.append(f"{rate:.2f} steps/s")
            parts.append(f"ETA {format_duration((total - step) / rate)}")
        return ", ".join(parts)

    def __call__(self, step: int, total: int, loss: float) -> None:
        now = self._clock()
        if total != self._total:  # a new run (a sweep cell, or the source full arm)
            self._total = total
            self._first = (step, now)
            self._last_line = float("-inf")
            self._new_bar(step, total)
        if self.terminal:
            self._draw(step, total, loss, now)
            return
        if now - self._last_line >= self.interval or step == total:
            self._last_line = now
            logger.info("%s: %s", self.label, self.describe(step, total, loss, now))

    def _new_bar(self, step: int, total: int) -> None:
        self.close()
        if self.terminal:
            from tqdm import tqdm

            self._bar = tqdm(total=total, initial=step, desc=self.label, unit="step", leave=False)

    def _draw(self, step: int, total: int, loss: float, now: float) -> None:
        bar = self._bar
        if bar is None:
            return
        postfix = {"loss": f"{loss:.4f}"}
        rate = self.rate(step, now)
        if rate is not None and self.tokens_per_step:
            postfix["tokens/s"] = f"{rate * self.tokens_per_step:,.0f}"
        bar.set_postfix(postfix, refresh=False)
        bar.update(step - bar.n)  # tqdm's own rate and ETA

    def close(self) -> None:
        """Remove the bar (if any) from the terminal."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None


@contextlib.contextmanager
def progress_reporter(
    label: str, interval: float = 30.0, *, tokens_per_step: int | None = None
) -> Iterator[Progress]:
    """Yield a :class:`Progress` drawing a tqdm bar on a terminal or logging periodically."""
    progress = Progress(label, tokens_per_step=tokens_per_step, interval=interval)
    try:
        yield progress
    finally:
        progress.close()
