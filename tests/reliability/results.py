"""The figures the reliability tests measure, collected into one JSON file for the report.

Tests call `Results.record(section, key, value)`. At the end of the session the figures are
merged into the file named by OMRADESBOT_RELIABILITY_RESULTS (set by `make reliability`); when it
is unset (plain `make test`) nothing is written, so running the suite never dirties the tree.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

RESULTS_ENV = "OMRADESBOT_RELIABILITY_RESULTS"


class Results:
    """Figures by section (load, faults, hostile_input, access, data) and key."""

    def __init__(self) -> None:
        self.figures: dict[str, dict[str, Any]] = {}

    def record(self, section: str, key: str, value: Any) -> None:
        """Remember one figure; a later record of the same key replaces it."""
        self.figures.setdefault(section, {})[key] = value

    def add(self, section: str, key: str, amount: int) -> None:
        """Add to a counter (e.g. generated inputs tried across several tests)."""
        figures = self.figures.setdefault(section, {})
        figures[key] = int(figures.get(key, 0)) + amount

    def save(self, path: Path) -> None:
        """Merge into `path`: sections measured in this run replace their old figures."""
        existing: dict[str, dict[str, Any]] = {}
        if path.exists():
            existing = json.loads(path.read_text(encoding="utf-8"))
        for section, figures in self.figures.items():
            existing.setdefault(section, {}).update(figures)
        path.write_text(json.dumps(existing, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def results_path() -> Path | None:
    """Where `make reliability` wants the figures, or None."""
    raw = os.environ.get(RESULTS_ENV)
    return Path(raw) if raw else None
