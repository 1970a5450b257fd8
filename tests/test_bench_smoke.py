"""`python -m bench --quick` runs end to end and writes a sane report (no timing thresholds)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# The benchmarks' own libraries are in the `bench` extra (requirements/bench.txt), not in `dev`.
BENCH_LIBRARIES = ("sklearn", "pyinstrument")
MISSING = [name for name in BENCH_LIBRARIES if importlib.util.find_spec(name) is None]


@pytest.mark.slow
@pytest.mark.e2e
@pytest.mark.timeout(300)
@pytest.mark.skipif(
    bool(MISSING),
    reason=f"benchmark libraries not installed ({', '.join(MISSING)}): `make bench-quick` installs "
    "the bench extra",
)
def test_quick_bench_writes_a_report_with_every_section(tmp_path: Path) -> None:
    out = tmp_path / "benchmarks.md"
    raw = tmp_path / "benchmarks.json"
    run = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--out", str(out), "--json", str(raw)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=280,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    results = json.loads(raw.read_text())
    report = out.read_text()
    for heading in ("## Summary", "## Answering", "## End to end", "## Broadcast"):
        assert heading in report
    for heading in (
        "## Scale of the data",
        "## Surveys",
        "## Start-up",
        "## Posters and deep links",
        "## Targets missed, and why",
    ):
        assert heading in report
    assert (tmp_path / "benchmarks-broadcast.png").read_bytes().startswith(b"\x89PNG")

    answering = results["answering"]
    assert answering["questions"] == 1_000
    for engine in ("matcher", "baseline"):
        assert 0 < answering[engine]["median_ms"] <= answering[engine]["p99_ms"]
    for row in answering["accuracy"]:
        assert 0.0 <= row["matcher"]["share"] <= 1.0

    e2e = results["e2e"]
    for run_ in e2e["runs"]:  # every queued question got its reply, from both bots
        assert run_["replies"] == run_["updates"] == e2e["residents"] * e2e["per_resident"] > 0
        assert run_["peak_rss_mib"] > 10

    # Every subscriber got the broadcast exactly once, with and without 429s.
    for scenario in results["broadcast"]["scenarios"]:
        assert scenario["sent"] == scenario["subscribers"] == results["broadcast"]["subscribers"]
        assert scenario["duplicates"] == 0
        assert scenario["lost"] == 0
        assert sum(scenario["per_second"]) == scenario["subscribers"]
    assert results["broadcast"]["scenarios"][1]["refused_429"] > 0

    sqlite = results["datascale"]["backends"][0]
    assert sqlite["backend"] == "SQLite"
    assert sqlite["questions_in_chart"] > 0
    polls = results["surveys"]["backends"][0]
    assert polls["backend"] == "SQLite"
    assert "1000 mottagare" in polls["confirmation"]
    assert results["startup"]["run_s"] > 0
    assert results["startup"]["ask_s"] > 0
