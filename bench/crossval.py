"""Cross-validation of the learned matcher over content/examples/*.yaml (hold out whole files).

Each fold trains on the FAQ's `questions` and every example file but one, then asks the held-out
file's messages: on-topic is the share answered with their labelled topic, off-topic the share left
unanswered. A file is one writer's style, so each fold measures a style the model has not seen.
This judges a change to the examples or the engine without touching the evaluation sets.

    python -m bench.crossval                       # every file held out in turn
    python -m bench.crossval --only angles-learners --without 'r3-*'
"""

from __future__ import annotations

import argparse
import fnmatch
import time
from dataclasses import replace
from pathlib import Path

from bot.content import Content, load_content
from bot.matching import Matcher

CONTENT_DIR = Path(__file__).resolve().parent.parent / "content"


def file_of(where: str) -> str:
    """The example file's stem from an example's `where` ("examples/x.yaml:12: ...")."""
    return Path(where.split(":", 1)[0]).stem


def fold(content: Content, held: str, without: list[str]) -> tuple[int, int, int, int, float]:
    """Train without `held` (and files matching `without`); score `held`: on, on total, off, ..."""
    keep = tuple(
        e
        for e in content.examples
        if file_of(e.where) != held
        and not any(fnmatch.fnmatch(file_of(e.where), p) for p in without)
    )
    start = time.perf_counter()
    matcher = Matcher(replace(content, examples=keep))
    trained = time.perf_counter() - start
    on = on_total = off = off_total = 0
    for example in content.examples:
        if file_of(example.where) != held:
            continue
        match = matcher.match(example.text, example.lang)  # type: ignore[arg-type]
        if example.topic is None:
            off_total += 1
            off += match.topic is None
        else:
            on_total += 1
            on += match.topic == example.topic
    return on, on_total, off, off_total, trained


def main() -> None:
    """Run the folds and print one line each, then the pooled figure."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", help="held-out files (stems); default: all")
    parser.add_argument("--without", nargs="*", default=[], help="file patterns never trained on")
    args = parser.parse_args()
    content = load_content(CONTENT_DIR)
    files = sorted({file_of(e.where) for e in content.examples})
    held_out = args.only or files
    totals = [0, 0, 0, 0]
    for held in held_out:
        on, on_total, off, off_total, trained = fold(content, held, args.without)
        totals = [a + b for a, b in zip(totals, (on, on_total, off, off_total), strict=True)]
        print(
            f"{held:22} on {on}/{on_total} ({on / max(on_total, 1):.1%})  "
            f"off {off}/{off_total} ({off / max(off_total, 1):.1%})  trained {trained:.1f}s"
        )
    on, on_total, off, off_total = totals
    print(
        f"{'pooled':22} on {on}/{on_total} ({on / max(on_total, 1):.1%})  "
        f"off {off}/{off_total} ({off / max(off_total, 1):.1%})"
    )


if __name__ == "__main__":
    main()
