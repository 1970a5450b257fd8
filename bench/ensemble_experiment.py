"""Experiment: the matcher's off-topic guard with char n-gram similarity choosing the topic.

For every question of every set (the shared dev set, tests/data/faq-heldout*.yaml and
/work/tmp-eval/*.yaml, duplicates dropped) it records the Matcher's Match and the n-gram top-k of
several index variants, then scores combination rules with the shared scorer's `passes`. Thresholds
are grid-searched on the tuning sets and reported leave-one-set-out: tuned on all sets but one,
measured on that one, for each set in turn.

    .venv/bin/python -m bench.ensemble_experiment [--content DIR] [--json FILE]
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import re
import statistics
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.answers import Match, Matcher
from bot.content import Content, Lang, load_content
from bot.ngrams import NgramHit, NgramIndex, combine

ROOT = Path(__file__).resolve().parents[1]
SHARED_EVAL = ROOT.parent / "shared" / "eval"
SCORER = SHARED_EVAL / "score_faq.py"
SET_PATHS = (
    SHARED_EVAL / "faq-dev.yaml",
    *sorted((ROOT / "tests" / "data").glob("faq-heldout*.yaml")),
    *sorted((ROOT.parent / "tmp-eval").glob("*.yaml")),
)
MIN_OFFTOPIC = 0.97  # tuning keeps pooled off-topic at least this high
TOP_K = 5

Case = dict[str, Any]
Passes = Callable[[Case, dict[str, Any]], bool]
Hits = tuple[NgramHit, ...]
Params = tuple[tuple[str, Any], ...]


def _scorer_passes() -> Passes:
    if SCORER.is_file():
        spec = importlib.util.spec_from_file_location("score_faq", SCORER)
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        passes: Passes = module.passes
        return passes

    def local(case: Case, answer: dict[str, Any]) -> bool:
        if case.get("offtopic"):
            return answer.get("topic") is None
        if answer.get("topic") is None:
            return False
        reply = answer.get("reply") or ""
        return any(
            all(re.search(group[0], reply, re.IGNORECASE) for group in alternative)
            for alternative in case["facts"]
        )

    return local


# --- index variants --------------------------------------------------------------------------


@dataclass(frozen=True)
class Variant:
    """One way of building the n-gram index."""

    max_df: float
    unseen_in_norm: bool
    answer_weight: float

    @property
    def name(self) -> str:
        """Short label for tables."""
        return (
            f"df{self.max_df:g}/{'unseen' if self.unseen_in_norm else 'sk'}"
            f"/ans{self.answer_weight:g}"
        )


VARIANTS = tuple(
    Variant(max_df, unseen, answer)
    for max_df in (0.1, 1.0)
    for unseen in (True, False)
    for answer in (0.6, 0.0)
)


@dataclass(frozen=True)
class Question:
    """One case with everything the rules look at."""

    set_name: str
    case: Case
    match: Match
    hits: Mapping[Variant, Hits]

    @property
    def offtopic(self) -> bool:
        """True for a question the bot must not answer."""
        return bool(self.case.get("offtopic"))


# --- rules -----------------------------------------------------------------------------------


def _cos(hits: Hits, topic: str, agg: str) -> float:
    for hit in hits:
        if hit.topic == topic:
            return hit.score if agg == "max" else hit.mean3
    return 0.0


def _ranked(hits: Hits, agg: str) -> Hits:
    if agg == "max":
        return hits
    return tuple(sorted(hits, key=lambda hit: hit.mean3, reverse=True))


def rule_baseline(match: Match, hits: Hits, p: Mapping[str, Any]) -> str | None:
    """The Matcher alone."""
    return match.topic


def rule_ngram_alone(match: Match, hits: Hits, p: Mapping[str, Any]) -> str | None:
    """The n-gram index alone, above a threshold (the issue's baseline, for reference)."""
    ranked = _ranked(hits, p["agg"])
    if ranked and _cos(ranked, ranked[0].topic, p["agg"]) >= p["t"]:
        return ranked[0].topic
    return None


def rule_dym_first(match: Match, hits: Hits, p: Mapping[str, Any]) -> str | None:
    """(a) did-you-mean whose first suggestion is the n-gram top-1 with cosine >= t: answer it."""
    if match.topic is not None or not match.suggestions or not hits:
        return match.topic
    ranked = _ranked(hits, p["agg"])
    top = ranked[0].topic
    if top == match.suggestions[0] and _cos(ranked, top, p["agg"]) >= p["t"]:
        return top
    return None


def rule_dym_any(match: Match, hits: Hits, p: Mapping[str, Any]) -> str | None:
    """(a') did-you-mean: the n-gram top-1 is any suggestion, cosine >= t, lead over 2nd >= m."""
    if match.topic is not None or not match.suggestions or not hits:
        return match.topic
    ranked = _ranked(hits, p["agg"])
    top = ranked[0].topic
    first = _cos(ranked, top, p["agg"])
    second = _cos(ranked, ranked[1].topic, p["agg"]) if len(ranked) > 1 else 0.0
    if top in match.suggestions and first >= p["t"] and first - second >= p["m"]:
        return top
    return None


def rule_override(match: Match, hits: Hits, p: Mapping[str, Any]) -> str | None:
    """(b) the Matcher answers X, the n-gram index prefers Y by a gap >= g with cosine >= t."""
    if match.topic is None or not hits:
        return match.topic
    ranked = _ranked(hits, p["agg"])
    top = ranked[0].topic
    first = _cos(ranked, top, p["agg"])
    if top != match.topic and first >= p["t"] and first - _cos(ranked, match.topic, p["agg"]) >= (
        p["g"]
    ):
        return top
    return match.topic


def rule_dym_then_override(match: Match, hits: Hits, p: Mapping[str, Any]) -> str | None:
    """(a) and (b) together."""
    if match.topic is None:
        return rule_dym_first(match, hits, p)
    return rule_override(match, hits, {"agg": p["agg"], "t": p["tb"], "g": p["g"]})


def rule_rescue(match: Match, hits: Hits, p: Mapping[str, Any]) -> str | None:
    """(d) against the guard: don't-know without suggestions, n-gram cosine >= t: answer."""
    if match.topic is not None or match.suggestions or match.smalltalk is not None or not hits:
        return rule_dym_first(match, hits, p)
    ranked = _ranked(hits, p["agg"])
    if _cos(ranked, ranked[0].topic, p["agg"]) >= p["tr"]:
        return ranked[0].topic
    return None


def rule_combine(match: Match, hits: Hits, p: Mapping[str, Any]) -> str | None:
    """bot.ngrams.combine with its own constants (the recommended rule as shipped)."""
    return combine(match, hits).topic


_T = tuple(round(0.05 * i, 2) for i in range(0, 19))
_AGG = ("max", "mean3")
FAMILIES: dict[str, tuple[Callable[[Match, Hits, Mapping[str, Any]], str | None], list[Params]]] = {
    "baseline": (rule_baseline, [()]),
    "ngram_alone": (
        rule_ngram_alone,
        [(("agg", a), ("t", t)) for a in _AGG for t in _T],
    ),
    "a_dym_first": (
        rule_dym_first,
        [(("agg", a), ("t", t)) for a in _AGG for t in _T],
    ),
    "a2_dym_any": (
        rule_dym_any,
        [
            (("agg", a), ("t", t), ("m", m))
            for a in _AGG
            for t in _T
            for m in (0.0, 0.05, 0.1, 0.15, 0.2)
        ],
    ),
    "b_override": (
        rule_override,
        [
            (("agg", a), ("t", t), ("g", g))
            for a in _AGG
            for t in _T[6:]
            for g in (0.05, 0.1, 0.15, 0.2, 0.3, 0.4)
        ],
    ),
    "a+b": (
        rule_dym_then_override,
        [
            (("agg", a), ("t", t), ("tb", tb), ("g", g))
            for a in _AGG
            for t in _T[::2]
            for tb in _T[8::2]
            for g in (0.1, 0.2, 0.3)
        ],
    ),
    "a+d_rescue": (
        rule_rescue,
        [(("agg", a), ("t", t), ("tr", tr)) for a in _AGG for t in _T[::2] for tr in _T[6:]],
    ),
}


# --- evaluation ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tally:
    """On- and off-topic passes."""

    on: int
    on_total: int
    off: int
    off_total: int

    @property
    def on_rate(self) -> float:
        """Share of on-topic cases passing."""
        return self.on / self.on_total if self.on_total else 1.0

    @property
    def off_rate(self) -> float:
        """Share of off-topic cases passing."""
        return self.off / self.off_total if self.off_total else 1.0


class Evaluator:
    """Scores a rule on a list of questions with the scorer's rule; caches per question."""

    def __init__(self, content: Content, passes: Passes) -> None:
        self._content = content
        self._passes = passes
        self._cache: dict[tuple[int, str | None, Lang], bool] = {}

    def passed(self, number: int, question: Question, topic: str | None) -> bool:
        """Whether the reply for `topic` passes the case (reply language as the dialogue picks)."""
        lang: Lang = question.match.language or question.case["lang"]
        key = (number, topic, lang)
        if key not in self._cache:
            entry = self._content.entry(topic) if topic is not None else None
            reply = entry.answer[lang] if entry is not None else ""
            self._cache[key] = bool(
                self._passes(question.case, {"topic": topic, "reply": reply})
            )
        return self._cache[key]

    def tally(
        self,
        questions: Sequence[tuple[int, Question]],
        rule: Callable[[Match, Hits, Mapping[str, Any]], str | None],
        params: Mapping[str, Any],
        variant: Variant,
    ) -> Tally:
        """Passes of `rule` with `params` over `questions`."""
        on = on_total = off = off_total = 0
        for number, question in questions:
            ok = self.passed(number, question, rule(question.match, question.hits[variant], params))
            if question.offtopic:
                off_total += 1
                off += ok
            else:
                on_total += 1
                on += ok
        return Tally(on, on_total, off, off_total)


def tune(
    evaluator: Evaluator,
    questions: Sequence[tuple[int, Question]],
    family: str,
    variants: Sequence[Variant],
) -> tuple[Variant, Params, Tally]:
    """The variant and parameters with most on-topic passes at off-topic >= MIN_OFFTOPIC.

    Ties go to the most conservative parameters (highest thresholds), which fire least often.
    """
    rule, grid = FAMILIES[family]
    best: tuple[tuple[Any, ...], Variant, Params, Tally] | None = None
    for variant in variants:
        for params in grid:
            tally = evaluator.tally(questions, rule, dict(params), variant)
            feasible = tally.off_rate >= MIN_OFFTOPIC
            key = (feasible, tally.on, tally.off, tuple(v for _, v in params if v != "mean3"))
            if best is None or key > best[0]:
                best = (key, variant, params, tally)
    assert best is not None
    return best[1], best[2], best[3]


def load_sets() -> dict[str, list[Case]]:
    """Every question set, by name; a file identical to an earlier one is skipped."""
    sets: dict[str, list[Case]] = {}
    seen: set[str] = set()
    for path in SET_PATHS:
        if not path.is_file():
            continue
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest in seen:
            continue
        seen.add(digest)
        name = path.stem.removeprefix("faq-")
        sets[name] = yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]
    return sets


def collect(content: Content, sets: Mapping[str, list[Case]]) -> list[Question]:
    """Match every question with the Matcher and every index variant."""
    matcher = Matcher(content)
    indexes = {variant: _index(content, variant) for variant in VARIANTS}
    return [
        Question(
            name,
            case,
            matcher.match(case["q"], case["lang"]),
            {variant: index.search(case["q"], TOP_K) for variant, index in indexes.items()},
        )
        for name, cases in sets.items()
        for case in cases
    ]


def _index(content: Content, variant: Variant) -> NgramIndex:
    return NgramIndex(
        content,
        max_df=variant.max_df,
        unseen_in_norm=variant.unseen_in_norm,
        answer_weight=variant.answer_weight,
    )


def _by_set(questions: Sequence[Question]) -> dict[str, list[tuple[int, Question]]]:
    grouped: dict[str, list[tuple[int, Question]]] = {}
    for number, question in enumerate(questions):
        grouped.setdefault(question.set_name, []).append((number, question))
    return grouped


def leave_one_set_out(
    evaluator: Evaluator,
    questions: Sequence[Question],
    family: str,
    variants: Sequence[Variant],
) -> Iterator[tuple[str, Variant, Params, Tally]]:
    """For each set: tune on the others, yield the held-out set's tally."""
    grouped = _by_set(questions)
    rule = FAMILIES[family][0]
    for held_out, cases in grouped.items():
        tuning = [item for name, items in grouped.items() if name != held_out for item in items]
        variant, params, _ = tune(evaluator, tuning, family, variants)
        yield held_out, variant, params, evaluator.tally(cases, rule, dict(params), variant)


def _pct(value: float) -> str:
    return f"{100 * value:5.1f}"


def _params(params: Params) -> str:
    return " ".join(f"{k}={v}" for k, v in params)


def report(content: Content, questions: Sequence[Question]) -> dict[str, Any]:
    """Print the tables; return the figures as JSON-ready data."""
    evaluator = Evaluator(content, _scorer_passes())
    grouped = _by_set(questions)
    names = list(grouped)
    out: dict[str, Any] = {"sets": {n: len(grouped[n]) for n in names}, "families": {}}
    baseline = {
        name: evaluator.tally(items, rule_baseline, {}, VARIANTS[0])
        for name, items in grouped.items()
    }
    print("sets:", ", ".join(f"{n} ({len(grouped[n])})" for n in names))
    print("\nBaseline (Matcher alone), on-topic / off-topic %:")
    for name in names:
        tally = baseline[name]
        print(f"  {name:22} {_pct(tally.on_rate)} / {_pct(tally.off_rate)}")

    header = "  ".join(f"{n[:13]:>13}" for n in names)
    print(f"\nLeave-one-set-out, on/off % per held-out set (tuned on the others); {header}")
    for family in FAMILIES:
        if family == "baseline":
            continue
        for variants, label in (
            ((VARIANTS[0],), VARIANTS[0].name),
            (VARIANTS, "variant tuned"),
        ):
            rows = list(leave_one_set_out(evaluator, questions, family, variants))
            cells = "  ".join(f"{_pct(t.on_rate)}/{_pct(t.off_rate)}" for _, _, _, t in rows)
            gain = statistics.mean(
                t.on_rate - baseline[name].on_rate for name, _, _, t in rows
            )
            off_min = min(t.off_rate for _, _, _, t in rows)
            off_mean = statistics.mean(t.off_rate for _, _, _, t in rows)
            print(
                f"  {family:12} {label:20} mean on-topic gain {100 * gain:+5.1f} pts,"
                f" off-topic mean {_pct(off_mean)} min {_pct(off_min)}"
            )
            print(f"      {cells}")
            chosen = {(v.name, _params(p)) for _, v, p, _ in rows}
            for variant_name, params in sorted(chosen):
                print(f"      chosen: {variant_name} {params}")
            out["families"][f"{family} [{label}]"] = {
                "mean_on_gain": gain,
                "off_mean": off_mean,
                "off_min": off_min,
                "per_set": {
                    name: {
                        "on": [t.on, t.on_total],
                        "off": [t.off, t.off_total],
                        "baseline_on": [baseline[name].on, baseline[name].on_total],
                        "variant": v.name,
                        "params": dict(p),
                    }
                    for name, v, p, t in rows
                },
            }
    print("\nbot.ngrams.combine as shipped (default index), per set on/off %:")
    shipped = {
        name: evaluator.tally(items, rule_combine, {}, VARIANTS[0])
        for name, items in grouped.items()
    }
    for name in names:
        tally = shipped[name]
        print(
            f"  {name:22} {_pct(tally.on_rate)} / {_pct(tally.off_rate)}"
            f"   (baseline {_pct(baseline[name].on_rate)} / {_pct(baseline[name].off_rate)})"
        )
    out["combine"] = {n: [t.on, t.on_total, t.off, t.off_total] for n, t in shipped.items()}
    return out


def misses(content: Content, questions: Sequence[Question]) -> None:
    """The on-topic cases the Matcher misses, with the n-gram view of each."""
    evaluator = Evaluator(content, _scorer_passes())
    print("\nMatcher misses (default index):")
    for number, question in enumerate(questions):
        match = question.match
        if evaluator.passed(number, question, match.topic):
            continue
        hits = question.hits[VARIANTS[0]][:3]
        view = ", ".join(f"{h.topic}:{h.score:.2f}/{h.mean3:.2f}" for h in hits)
        print(
            f"  [{question.set_name}] {question.case['q'][:60]!r} topic={match.topic}"
            f" sugg={list(match.suggestions)} -> {view}"
        )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the experiment and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--content", type=Path, default=ROOT / "content")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--misses", action="store_true", help="list the Matcher's misses")
    args = parser.parse_args(argv)
    content = load_content(args.content)
    sets = load_sets()
    questions = collect(content, sets)
    if args.misses:
        misses(content, questions)
    figures = report(content, questions)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

