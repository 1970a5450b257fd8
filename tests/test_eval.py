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
# Sets written for issue 13 by sessions that never saw content/ or the code (see
# docs/answering.md). First honest scores on the old engine: learners 50.0/100, fragments
# 68.8/95.0; on the rewritten engine, before any tuning on them: learners 75.0/95.0, fragments
# 68.8/95.0. They are tuning sets since, but not yet at the acceptance targets: each bar below is
# the score reached now, a floor against regressions, not a claim that the set is done.
BELOW_TARGET = {
    ROOT / "tests" / "data" / "project-learners.yaml": ("0.76", "0.95"),
    ROOT / "tests" / "data" / "project-fragments.yaml": ("0.82", "0.95"),
}
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


@needs_shared
@pytest.mark.parametrize("cases", sorted(BELOW_TARGET), ids=lambda path: path.stem)
def test_blind_sets_below_target_hold_their_floor(cases: Path) -> None:
    ontopic, offtopic = BELOW_TARGET[cases]
    run = score(cases, "--min-ontopic", ontopic, "--min-offtopic", offtopic)
    assert run.returncode == 0, run.stdout + run.stderr


def test_every_set_in_tests_data_is_scored() -> None:
    """A set dropped into tests/data is scored: in HELDOUT or, with its reason, BELOW_TARGET."""
    sets = set((ROOT / "tests" / "data").glob("*.yaml"))
    assert sets == set(HELDOUT) | set(BELOW_TARGET)


@needs_shared
def test_long_contextual_messages_hold_their_floor() -> None:
    # First honest score 10.0/100 on the old engine; see docs/answering.md for every step since.
    run = score(
        SHARED_EVAL / "faq-dev-long.yaml", "--min-ontopic", "0.60", "--min-offtopic", "0.95"
    )
    assert run.returncode == 0, run.stdout + run.stderr
