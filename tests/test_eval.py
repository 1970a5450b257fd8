"""The shared FAQ scoring script on the development questions, when ../shared/eval is present."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_EVAL = ROOT.parent / "shared" / "eval"
BATCH = ROOT / "tests" / "data" / "batch_for_eval.py"
HELDOUT = ROOT / "tests" / "data" / "faq-heldout.yaml"

needs_shared = pytest.mark.skipif(
    not (SHARED_EVAL / "score_faq.py").exists(),
    reason=f"{SHARED_EVAL} not present (the shared scoring script lives outside the repository)",
)


def score(cases: Path, *minimums: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            str(SHARED_EVAL / "score_faq.py"),
            str(cases),
            *minimums,
            "--",
            sys.executable,
            str(BATCH),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        check=False,
    )


@needs_shared
def test_development_questions_reach_the_targets() -> None:
    run = score(SHARED_EVAL / "faq-dev.yaml")
    assert run.returncode == 0, run.stdout + run.stderr


@needs_shared
def test_our_own_held_out_questions_reach_the_acceptance_targets() -> None:
    run = score(HELDOUT, "--min-ontopic", "0.96", "--min-offtopic", "0.93")
    assert run.returncode == 0, run.stdout + run.stderr
