"""The shared FAQ scoring script, run against the real `omradesbot ask --batch`, when present."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_EVAL = ROOT.parent / "shared" / "eval"
# Held-out sets written before their authors read the FAQ: fix causes, never single lines.
HELDOUT = (
    ROOT / "tests" / "data" / "faq-heldout.yaml",
    ROOT / "tests" / "data" / "faq-heldout2.yaml",
    ROOT / "tests" / "data" / "faq-heldout3.yaml",
    # First honest score 80.6% on-topic / 100% off-topic; now a tuning set like the others.
    ROOT / "tests" / "data" / "faq-heldout4.yaml",
    # First honest scores 92.7/100 (plain) and 86.7/100 (hard); tuning sets since.
    ROOT / "tests" / "data" / "faq-heldout5-plain.yaml",
    ROOT / "tests" / "data" / "faq-heldout5-hard.yaml",
    # First honest score 87.2/100 (78 on / 22 off); a tuning set since.
    ROOT / "tests" / "data" / "faq-heldout6.yaml",
    # First honest score 93.5/100 (62 on / 18 off); a tuning set since.
    ROOT / "tests" / "data" / "faq-heldout7.yaml",
    # First honest score 91.9/88.9 (62 on / 18 off); a tuning set since.
    ROOT / "tests" / "data" / "faq-heldout8.yaml",
    # First honest score 94.3/100 (70 on / 20 off); a tuning set since.
    ROOT / "tests" / "data" / "faq-heldout9.yaml",
    # First honest score 94.5/100 (55 on / 15 off); a tuning set since.
    ROOT / "tests" / "data" / "faq-heldout10.yaml",
    # First honest score 100/93.3 (55 on / 15 off): one shared verb ("lämna") lifted an
    # unknown subject ("grovsopor") into an answer; a tuning set since.
    ROOT / "tests" / "data" / "faq-heldout11.yaml",
)
ASK_BATCH = (sys.executable, "-m", "bot", "ask", "--batch")

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
            *ASK_BATCH,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        check=False,
    )


@needs_shared
def test_development_questions_reach_the_targets() -> None:
    run = score(SHARED_EVAL / "faq-dev.yaml", "--min-ontopic", "0.95", "--min-offtopic", "0.90")
    assert run.returncode == 0, run.stdout + run.stderr


@needs_shared
@pytest.mark.parametrize("cases", HELDOUT, ids=lambda path: path.stem)
def test_held_out_questions_reach_the_acceptance_targets(cases: Path) -> None:
    run = score(cases, "--min-ontopic", "0.96", "--min-offtopic", "0.93")
    assert run.returncode == 0, run.stdout + run.stderr
