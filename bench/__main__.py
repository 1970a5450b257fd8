"""`python -m bench [--quick] [--out docs/benchmarks.md]`: run every benchmark, write the doc."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import time
from pathlib import Path
from typing import Any

from bench import answering, broadcast, budget, datascale, e2e, feedback, posters, startup, surveys
from bench.common import ROOT, machine
from bench.report import write_report

# PTB 22 warns when a RetryAfter is built unless it may use timedelta; the bench imports PTB too.
os.environ.setdefault("PTB_TIMEDELTA", "1")


def parse_args() -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke test")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--json", type=Path, help="also write the raw figures here")
    return parser.parse_args()


async def run_all(quick: bool) -> dict[str, Any]:
    """Each section in turn (never two at once: they would share the two cores)."""
    results: dict[str, Any] = {"machine": machine(), "quick": quick}
    results["date"] = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    sections = (
        ("answering", lambda: asyncio.to_thread(answering.run, quick=quick)),
        ("e2e", lambda: e2e.run(quick=quick)),
        ("startup", lambda: startup.run(quick=quick)),
        ("datascale", lambda: datascale.run(quick=quick)),
        ("surveys", lambda: surveys.run(quick=quick)),
        ("feedback", lambda: feedback.run(quick=quick)),
        ("broadcast", lambda: broadcast.run(quick=quick)),
        ("budget", lambda: budget.run(quick=quick)),
        ("posters", lambda: posters.run(quick=quick)),
    )
    timings = {}
    for name, section in sections:
        started = time.perf_counter()
        print(f"bench: {name} ...", flush=True)
        results[name] = await section()
        timings[name] = time.perf_counter() - started
        print(f"bench: {name} done in {timings[name]:.0f} s", flush=True)
    profiles: dict[str, str] = {}
    if quick:  # a smoke test: no profiles
        results["profiles"] = profiles
        results["section_s"] = timings
        return results
    if results["answering"]["matcher"]["median_ms"] >= 1.0 or (
        results["answering"]["matcher"]["per_second"]
        < results["answering"]["baseline"]["per_second"]
    ):
        profiles["matcher"] = answering.profile(quick=quick)
    if results["e2e"]["throughput_ratio"] < e2e_target():
        profiles["e2e"] = await e2e.profile_bot(quick=quick)
    for backend in results["datascale"]["backends"]:
        for name, text in backend.pop("profiles", {}).items():
            profiles[f"{name}-{backend['backend']}"] = text
    results["profiles"] = profiles
    results["section_s"] = timings
    return results


def e2e_target() -> float:
    """The bot should handle at least this share of the echo bot's updates/s."""
    return 0.8


def main() -> None:
    """Run, then write the Markdown (and its PNG beside it)."""
    args = parse_args()
    started = time.perf_counter()
    results = asyncio.run(run_all(args.quick))
    results["total_s"] = time.perf_counter() - started
    write_report(results, args.out)
    if args.json is not None:
        args.json.write_text(json.dumps(results, indent=1, ensure_ascii=False))
    print(f"bench: wrote {args.out} in {results['total_s']:.0f} s")


if __name__ == "__main__":
    main()
