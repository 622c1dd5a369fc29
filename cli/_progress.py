"""Progress: a bar on a terminal, otherwise one log line per interval (cutadapt's rule)."""

from __future__ import annotations

import contextlib
import logging
import sys
import time
from collections.abc import Callable, Iterator

logger = logging.getLogger("genoenc")

#: (step, total steps, last loss), as genoenc.train.ProgressFn (not imported: keeps --help fast).
ProgressFn = Callable[[int, int, float], None]


@contextlib.contextmanager
def progress_reporter(label: str, interval: float = 30.0) -> Iterator[ProgressFn]:
    """Yield a ``(step, total, loss)`` callback drawing a tqdm bar or logging periodically."""
    if sys.stderr.isatty():
        from tqdm import tqdm

        bar: tqdm | None = None

        def draw(step: int, total: int, loss: float) -> None:
            nonlocal bar
            if bar is None or bar.total != total:
                if bar is not None:
                    bar.close()
                bar = tqdm(total=total, desc=label, unit="step", leave=False)
            bar.n = step
            bar.set_postfix(loss=f"{loss:.4f}", refresh=False)
            bar.refresh()

        try:
            yield draw
        finally:
            if bar is not None:
                bar.close()
    else:
        last = [time.monotonic()]

        def log(step: int, total: int, loss: float) -> None:
            now = time.monotonic()
            if now - last[0] >= interval or step in (1, total):
                last[0] = now
                logger.info("%s: step %d/%d, loss %.4f", label, step, total, loss)

        yield log
