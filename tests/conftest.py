"""pytest configuration shared by all tests (helpers live in ``tests/helpers.py``)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
