"""The learning-rate schedule and when a run stops.

Two schedules, both with linear warmup over ``warmup_frac`` of the budget's steps:

* **cosine** (``budget: fixed``, the default): cosine decay to ``lr * min_lr_frac`` at the
  end of the budget.
* **warmup-stable-decay** (``budget: auto``, or a fixed run given ``decay_at``): the peak
  rate until the decay starts, then a linear decay to ``lr * min_lr_frac`` over
  ``decay_frac / (1 - decay_frac)`` of the steps before it, then stop. Under
  ``budget: auto`` the decay starts when validation has stopped improving: ``patience``
  evaluations in a row without a relative improvement of ``min_improvement`` over the
  best so far (or, failing that, at ``1 - decay_frac`` of the budget, which is then a
  cap). Another run given the same ``decay_at`` (the step where the decay began) follows
  exactly the same schedule: this is how a sweep gives every arm of a seed the budget its
  ``full`` arm converged at.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["Schedule", "cosine_lr"]


def cosine_lr(step: int, total: int, cfg: Any) -> float:
    """Linear warmup then cosine decay to ``lr * min_lr_frac``.

    >>> from types import SimpleNamespace
    >>> c = SimpleNamespace(lr=1.0, min_lr_frac=0.1, warmup_frac=0.1)
    >>> cosine_lr(0, 100, c), cosine_lr(9, 100, c), round(cosine_lr(99, 100, c), 3)
    (0.1, 1.0, 0.1)
    """
    warmup = max(1, int(total * cfg.warmup_frac))
    if step < warmup:
        return float(cfg.lr * (step + 1) / warmup)
    progress = (step - warmup) / max(1, total - warmup - 1)
    floor = cfg.lr * cfg.min_lr_frac
    return float(floor + 0.5 * (cfg.lr - floor) * (1 + math.cos(math.pi * min(progress, 1.0))))


class Schedule:
    """Learning rate per step and the step count, for a fixed or an automatic budget.

    Args:
        cap_steps: Steps of ``train.tokens_budget`` (the whole run, or the cap under auto).
        cfg: The ``train`` config section.
        decay_at: Step where a warmup-stable-decay schedule decays (``train.decay_at`` in
            tokens, converted by the caller), or ``None``.

    >>> from types import SimpleNamespace
    >>> c = SimpleNamespace(lr=1.0, min_lr_frac=0.0, warmup_frac=0.1, budget="auto",
    ...                     patience=2, min_improvement=0.01, decay_frac=0.2)
    >>> s = Schedule(100, c)
    >>> [s.observe(step, loss) for step, loss in [(10, 2.0), (20, 1.5), (30, 1.499), (40, 1.5)]]
    [False, False, False, True]
    >>> s.decay_start, s.total_steps, s.reason, s.lr(39), s.lr(45)
    (40, 50, 'converged', 1.0, 0.5)
    >>> t = Schedule(100, c, decay_at=40)
    >>> t.total_steps, [t.lr(i) for i in (39, 45)]
    (50, [1.0, 0.5])
    """

    def __init__(self, cap_steps: int, cfg: Any, decay_at: int | None = None) -> None:
        self.cfg = cfg
        self.cap_steps = cap_steps
        self.warmup = max(1, int(cap_steps * cfg.warmup_frac))
        self.wsd = cfg.budget == "auto" or decay_at is not None
        self.decay_start: int | None = None
        self.reason = "budget"
        self.best = math.inf
        self.bad = 0
        if decay_at is not None:
            self._start_decay(decay_at, "decay_at")
        elif self.wsd:
            # Without convergence the decay starts so that the run ends at the cap.
            self._latest = max(self.warmup, math.floor(cap_steps * (1 - cfg.decay_frac)))

    def _decay_length(self, start: int) -> int:
        frac = self.cfg.decay_frac
        return max(1, round(start * frac / (1 - frac)))

    def _start_decay(self, step: int, reason: str) -> None:
        self.decay_start = step
        self.reason = reason

    @property
    def total_steps(self) -> int:
        """Steps of the run (known once the decay has started under auto)."""
        if not self.wsd:
            return self.cap_steps
        start = self.decay_start if self.decay_start is not None else self._latest
        return min(self.cap_steps, start + self._decay_length(start))

    def lr(self, step: int) -> float:
        """The learning rate of optimiser step ``step`` (0-based)."""
        if not self.wsd:
            return cosine_lr(step, self.cap_steps, self.cfg)
        if step < self.warmup:
            return float(self.cfg.lr * (step + 1) / self.warmup)
        start = self.decay_start if self.decay_start is not None else self._latest
        if step < start:
            return float(self.cfg.lr)
        floor = self.cfg.lr * self.cfg.min_lr_frac
        progress = min(1.0, (step - start) / self._decay_length(start))
        return float(self.cfg.lr - (self.cfg.lr - floor) * progress)

    def observe(self, step: int, val_loss: float) -> bool:
        """Record a validation loss after ``step`` steps; True when the decay starts now."""
        if self.cfg.budget != "auto" or self.decay_start is not None:
            return False
        if val_loss < self.best * (1 - self.cfg.min_improvement):
            self.best, self.bad = val_loss, 0
        else:
            self.best = min(self.best, val_loss)
            self.bad += 1
        if self.bad >= self.cfg.patience:
            self._start_decay(step, "converged")
            return True
        if step >= self._latest:
            self._start_decay(self._latest, "budget")
            return True
        return False

    def shared(self) -> list[float]:
        """Rank 0's decision as numbers for an all-reduce (sum): ``[decay_start + 1, reason]``."""
        if self.decay_start is None:
            return [0.0, 0.0]
        return [float(self.decay_start + 1), float(self.reason == "converged")]

    def share(self, values: list[float]) -> None:
        """Adopt rank 0's decision (:meth:`shared`, summed over ranks) on another rank."""
        if values[0] > 0 and self.decay_start is None:
            self._start_decay(int(values[0]) - 1, "converged" if values[1] else "budget")

    def state_dict(self) -> dict[str, Any]:
        """What a checkpoint keeps to resume the same schedule."""
        return {
            "decay_start": self.decay_start,
            "reason": self.reason,
            "best": self.best,
            "bad": self.bad,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Resume from :meth:`state_dict`."""
        self.decay_start = state["decay_start"]
        self.reason = state["reason"]
        self.best = float(state["best"])
        self.bad = int(state["bad"])

    def summary(self, tokens_per_step: int) -> dict[str, Any]:
        """The ``stop`` record of ``metrics.json``."""
        return {
            "budget": self.cfg.budget,
            "schedule": "warmup-stable-decay" if self.wsd else "cosine",
            "reason": self.reason,
            "cap_tokens": self.cap_steps * tokens_per_step,
            "decay_at": None if self.decay_start is None else self.decay_start * tokens_per_step,
            "patience": self.cfg.patience,
            "min_improvement": self.cfg.min_improvement,
        }
