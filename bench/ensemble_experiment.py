"""Experiment: the matcher's off-topic guard with char n-gram similarity choosing the topic.

The question sets are the shared dev set, tests/data/faq-heldout*.yaml and /work/tmp-eval/*.yaml
(identical files dropped). Today's Matcher has been tuned on every one of them (it passes 100%), so
it cannot show what a rule does on questions the Matcher has not seen. The experiment therefore
also replays SNAPSHOTS: the Matcher and content of the commit just before a set was added, which
had never seen that set or any later one ("blind pairs"). For every question it records the
Match and the n-gram top-k of several index variants (bot/ngrams.py, copied into the snapshot),
then scores combination rules with the shared scorer's `passes`. Thresholds are grid-searched and
reported leave-one-set-out: tuned on the blind pairs of all other sets, measured on the held-out
set's blind pairs. Today's tree is checked separately: a rule must not break what now passes.

    .venv/bin/python -m bench.ensemble_experiment [--json FILE] [--misses]
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.answers import Match, Matcher
from bot.content import Content, Lang, load_content
from bot.ngrams import NgramHit, NgramIndex

ROOT = Path(__file__).resolve().parents[1]
SHARED_EVAL = ROOT.parent / "shared" / "eval"
SCORER = SHARED_EVAL / "score_faq.py"
SET_PATHS = (
    SHARED_EVAL / "faq-dev.yaml",
    *sorted((ROOT / "tests" / "data").glob("faq-heldout*.yaml")),
    *sorted((ROOT.parent / "tmp-eval").glob("*.yaml")),
)
# Tuning may lose at most this share of the off-topic cases the Matcher alone rejects: the old
# snapshots answered many off-topic questions themselves, so an absolute floor would be unreachable
# there and tuning would then ignore off-topic altogether.
MAX_OFFTOPIC_LOSS = 0.03
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
    """One case, as one Matcher (a snapshot or today's tree) saw it."""

    set_name: str
    snapshot: str  # commit, or "today"
    case: Case
    match: Match
    hits: Mapping[Variant, Hits]

    @property
    def offtopic(self) -> bool:
        """True for a question the bot must not answer."""
        return bool(self.case.get("offtopic"))


# Commit whose Matcher and content had never seen a set: the parent of the commit adding it (the
# first matcher for the first held-out set, which was written before any matcher existed).
SNAPSHOTS: dict[str, str] = {
    "d64f647": "heldout",
    "942be77": "heldout2",
    "8cf2043": "heldout3",
    "e501ecd": "heldout4",
    "c518a2f": "heldout5-hard",
}
_SET_ORDER = ("heldout", "heldout2", "heldout3", "heldout4", "heldout5-hard", "heldout5-plain")
TODAY = "today"
SNAPSHOT_DIR = Path("/tmp/omradesbot-ensemble-snapshots")


def blind_sets(snapshot: str) -> tuple[str, ...]:
    """The sets a snapshot had never seen."""
    first = _SET_ORDER.index(SNAPSHOTS[snapshot])
    return _SET_ORDER[first:]


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
    if (
        top != match.topic
        and first >= p["t"]
        and first - _cos(ranked, match.topic, p["agg"]) >= (p["g"])
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

    def __init__(
        self, answers: Mapping[str, Mapping[str, Mapping[str, str]]], passes: Passes
    ) -> None:
        self._answers = answers  # snapshot -> topic -> lang -> answer
        self._passes = passes
        self._cache: dict[tuple[int, str | None, Lang], bool] = {}

    def passed(self, number: int, question: Question, topic: str | None) -> bool:
        """Whether the reply for `topic` passes the case (reply language as the dialogue picks)."""
        lang: Lang = question.match.language or question.case["lang"]
        key = (number, topic, lang)
        if key not in self._cache:
            entry = self._answers[question.snapshot].get(topic) if topic is not None else None
            reply = entry[lang] if entry is not None else ""
            self._cache[key] = bool(self._passes(question.case, {"topic": topic, "reply": reply}))
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
    """The variant and parameters with most on-topic passes, losing at most MAX_OFFTOPIC_LOSS of
    the off-topic cases the Matcher alone gets right.

    Ties go to the most conservative parameters (highest thresholds), which fire least often.
    """
    rule, grid = FAMILIES[family]
    alone = evaluator.tally(questions, rule_baseline, {}, VARIANTS[0])
    best: tuple[tuple[Any, ...], Variant, Params, Tally] | None = None
    for variant in variants:
        for params in grid:
            tally = evaluator.tally(questions, rule, dict(params), variant)
            feasible = alone.off - tally.off <= MAX_OFFTOPIC_LOSS * tally.off_total
            thresholds = tuple(v for _, v in params if isinstance(v, float))
            key = (feasible, tally.on, tally.off, thresholds)
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


def _worker() -> int:
    """In a snapshot's interpreter: read cases from stdin, write Matches, hits and answers."""
    request = json.load(sys.stdin)
    content = load_content(request["content"])
    matcher = Matcher(content)
    indexes = {variant: _index(content, variant) for variant in VARIANTS}
    rows = []
    for case in request["cases"]:
        match = matcher.match(case["q"], case["lang"])
        rows.append(
            {
                "match": [
                    match.topic,
                    match.score,
                    list(match.suggestions),
                    getattr(match, "smalltalk", None),
                    getattr(match, "language", None),
                ],
                "hits": [
                    [[h.topic, h.score, h.mean3] for h in index.search(case["q"], TOP_K)]
                    for index in indexes.values()
                ],
            }
        )
    answers = {entry.id: dict(entry.answer) for entry in content.faq}
    json.dump({"rows": rows, "answers": answers}, sys.stdout)
    return 0


def _checkout(commit: str) -> Path:
    """The snapshot's bot/ and content/ in a scratch directory, with today's bot/ngrams.py."""
    target = SNAPSHOT_DIR / commit
    if not (target / "bot").is_dir():
        target.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", commit, "bot", "content"],
            check=True,
            capture_output=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    shutil.copyfile(ROOT / "bot" / "ngrams.py", target / "bot" / "ngrams.py")
    return target


def collect(
    sets: Mapping[str, list[Case]],
) -> tuple[list[Question], dict[str, dict[str, dict[str, str]]]]:
    """Every (snapshot, set) pair to look at, each question matched by that snapshot's code."""
    questions: list[Question] = []
    answers: dict[str, dict[str, dict[str, str]]] = {}
    plans: list[tuple[str, Path, tuple[str, ...]]] = [(TODAY, ROOT, tuple(sets))]
    plans += [(commit, _checkout(commit), blind_sets(commit)) for commit in SNAPSHOTS]
    for snapshot, tree, names in plans:
        cases = [(name, case) for name in names if name in sets for case in sets[name]]
        request = {"content": str(tree / "content"), "cases": [case for _, case in cases]}
        run = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--worker"],
            input=json.dumps(request),
            capture_output=True,
            text=True,
            check=True,
            cwd=tree,
            env={**os.environ, "PYTHONPATH": str(tree)},
        )
        reply = json.loads(run.stdout)
        answers[snapshot] = reply["answers"]
        for (name, case), row in zip(cases, reply["rows"], strict=True):
            topic, score, suggestions, smalltalk, language = row["match"]
            match = Match(topic, score, tuple(suggestions), smalltalk, language)
            hits = {
                variant: tuple(NgramHit(*hit) for hit in variant_hits)
                for variant, variant_hits in zip(VARIANTS, row["hits"], strict=True)
            }
            questions.append(Question(name, snapshot, case, match, hits))
    return questions, answers


def _index(content: Content, variant: Variant) -> NgramIndex:
    return NgramIndex(
        content,
        max_df=variant.max_df,
        unseen_in_norm=variant.unseen_in_norm,
        answer_weight=variant.answer_weight,
    )


def _by_set(questions: Sequence[tuple[int, Question]]) -> dict[str, list[tuple[int, Question]]]:
    grouped: dict[str, list[tuple[int, Question]]] = {}
    for item in questions:
        grouped.setdefault(item[1].set_name, []).append(item)
    return grouped


def leave_one_set_out(
    evaluator: Evaluator,
    blind: Sequence[tuple[int, Question]],
    family: str,
    variants: Sequence[Variant],
) -> Iterator[tuple[str, Variant, Params, Tally, Tally]]:
    """For each set: tune on the other sets' blind pairs; yield the held-out set's tallies
    (pooled over every snapshot blind to it, and the latest such snapshot alone)."""
    grouped = _by_set(blind)
    rule = FAMILIES[family][0]
    for held_out, items in grouped.items():
        tuning = [item for name, group in grouped.items() if name != held_out for item in group]
        variant, params, _ = tune(evaluator, tuning, family, variants)
        latest = [item for item in items if item[1].snapshot == _latest(held_out)]
        yield (
            held_out,
            variant,
            params,
            evaluator.tally(items, rule, dict(params), variant),
            evaluator.tally(latest, rule, dict(params), variant),
        )


def _latest(set_name: str) -> str:
    return [commit for commit in SNAPSHOTS if set_name in blind_sets(commit)][-1]


def _pct(value: float) -> str:
    return f"{100 * value:5.1f}"


def _cell(tally: Tally) -> str:
    return f"{_pct(tally.on_rate)}/{_pct(tally.off_rate)}"


def _params(params: Params) -> str:
    return " ".join(f"{k}={v}" for k, v in params)


def report(
    answers: Mapping[str, Mapping[str, Mapping[str, str]]], questions: Sequence[Question]
) -> dict[str, Any]:
    """Print the tables; return the figures as JSON-ready data."""
    evaluator = Evaluator(answers, _scorer_passes())
    numbered = list(enumerate(questions))
    blind = [item for item in numbered if item[1].snapshot != TODAY]
    today = [item for item in numbered if item[1].snapshot == TODAY]
    grouped = _by_set(blind)
    names = list(grouped)
    base = VARIANTS[0]
    out: dict[str, Any] = {"families": {}}

    def baseline(items: Sequence[tuple[int, Question]]) -> Tally:
        return evaluator.tally(items, rule_baseline, {}, base)

    print("Blind pairs (snapshot: sets it had never seen), Matcher alone on/off %:")
    for commit in SNAPSHOTS:
        cells = []
        for name in blind_sets(commit):
            items = [i for i in grouped.get(name, []) if i[1].snapshot == commit]
            if items:
                cells.append(f"{name} {_cell(baseline(items))}")
        print(f"  {commit}: " + ", ".join(cells))
    print("Today's tree (tuned on all of them), Matcher alone on/off %:")
    print("  " + ", ".join(f"{n} {_cell(baseline(i))}" for n, i in _by_set(today).items()))

    print(
        "\nLeave-one-set-out on blind pairs: per held-out set, on/off % pooled over its blind"
        " snapshots [latest snapshot alone]; baseline first"
    )
    print("  " + "".join(f"{n:>30}" for n in names))
    rows_base = {
        name: (baseline(items), baseline([i for i in items if i[1].snapshot == _latest(name)]))
        for name, items in grouped.items()
    }
    print(
        f"  {'baseline':34}"
        + "".join(f"{_cell(p):>15} [{_cell(q)}]" for p, q in rows_base.values())
    )
    for family in FAMILIES:
        if family == "baseline":
            continue
        for variants, label in (((base,), base.name), (VARIANTS, "variant tuned")):
            rows = list(leave_one_set_out(evaluator, blind, family, variants))
            gain = statistics.mean(t.on_rate - rows_base[n][0].on_rate for n, _, _, t, _ in rows)
            gain_latest = statistics.mean(
                t.on_rate - rows_base[n][1].on_rate for n, _, _, _, t in rows
            )
            off_mean = statistics.mean(t.off_rate for _, _, _, t, _ in rows)
            off_min = min(t.off_rate for _, _, _, t, _ in rows)
            print(
                f"  {family:12} {label:21}"
                + "".join(f"{_cell(p):>15} [{_cell(q)}]" for _, _, _, p, q in rows)
            )
            print(
                f"      on-topic gain {100 * gain:+.1f} pts"
                f" (latest snapshots {100 * gain_latest:+.1f}),"
                f" off-topic mean {_pct(off_mean)} min {_pct(off_min)}"
            )
            for variant_name, chosen in sorted({(v.name, _params(p)) for _, v, p, _, _ in rows}):
                print(f"      chosen: {variant_name} {chosen}")
            out["families"][f"{family} [{label}]"] = {
                "mean_on_gain": gain,
                "mean_on_gain_latest": gain_latest,
                "off_mean": off_mean,
                "off_min": off_min,
                "per_set": {
                    name: {
                        "pooled": [p.on, p.on_total, p.off, p.off_total],
                        "latest": [q.on, q.on_total, q.off, q.off_total],
                        "variant": v.name,
                        "params": dict(p_),
                    }
                    for name, v, p_, p, q in rows
                },
            }
    print(
        "\nEach rule tuned on ALL blind pairs, then applied to today's tree (which passes 100/100"
        " alone): what it would break, on/off % per set"
    )
    out["today"] = {}
    for family in FAMILIES:
        if family == "baseline":
            continue
        variant, params, _ = tune(evaluator, blind, family, VARIANTS)
        rule = FAMILIES[family][0]
        tallies = {
            name: evaluator.tally(items, rule, dict(params), variant)
            for name, items in _by_set(today).items()
        }
        print(f"  {family:12} {variant.name} {_params(params)}")
        print("      " + ", ".join(f"{n} {_cell(t)}" for n, t in tallies.items()))
        out["today"][family] = {
            "variant": variant.name,
            "params": dict(params),
            "per_set": {n: [t.on, t.on_total, t.off, t.off_total] for n, t in tallies.items()},
        }
    return out


def misses(
    answers: Mapping[str, Mapping[str, Mapping[str, str]]], questions: Sequence[Question]
) -> None:
    """The on-topic cases the Matcher misses on blind pairs, with the n-gram view of each."""
    evaluator = Evaluator(answers, _scorer_passes())
    print("Matcher misses on blind pairs (default index: topic:max/mean3):")
    for number, question in enumerate(questions):
        match = question.match
        if question.snapshot == TODAY or evaluator.passed(number, question, match.topic):
            continue
        hits = question.hits[VARIANTS[0]][:3]
        view = ", ".join(f"{h.topic}:{h.score:.2f}/{h.mean3:.2f}" for h in hits)
        print(
            f"  {question.snapshot} [{question.set_name}] {question.case['q'][:55]!r}"
            f" topic={match.topic} sugg={list(match.suggestions)} -> {view}"
        )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the experiment and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--misses", action="store_true", help="list the Matcher's misses")
    args = parser.parse_args(argv)
    if args.worker:
        return _worker()
    questions, answers = collect(load_sets())
    if args.misses:
        misses(answers, questions)
    figures = report(answers, questions)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
