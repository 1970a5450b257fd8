"""Answering: the matcher's latency and accuracy beside a tf-idf character n-gram baseline."""

from __future__ import annotations

import importlib.util
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from sklearn.feature_extraction.text import TfidfVectorizer

from bench.common import CONTENT_DIR, ROOT, percentile
from bot.content import Content, load_content
from bot.core.dialogue import Dialogue
from bot.domain import LANGUAGES, Lang
from bot.matching import Matcher

SHARED_EVAL = ROOT.parent / "shared" / "eval"
DEV_SET = SHARED_EVAL / "faq-dev.yaml"
SCORER = SHARED_EVAL / "score_faq.py"
HELDOUT_SETS = sorted((ROOT / "tests" / "data").glob("faq-heldout*.yaml"))
THRESHOLDS = tuple(round(0.05 * i, 2) for i in range(2, 17))  # 0.10 .. 0.80

Case = dict[str, Any]
Passes = Callable[[Case, dict[str, Any]], bool]


def _local_passes(case: Case, answer: dict[str, Any]) -> bool:
    """The scorer's rule, for when /work/shared/eval is not beside the repository."""
    if case.get("offtopic"):
        return answer.get("topic") is None
    if answer.get("topic") is None:
        return False
    reply = answer.get("reply") or ""
    return any(
        all(re.search(group[0], reply, re.IGNORECASE) for group in alternative)
        for alternative in case["facts"]
    )


def scorer_passes() -> tuple[Passes, str]:
    """`passes` from the shared scorer when present (so both engines are judged by it)."""
    if SCORER.is_file():
        spec = importlib.util.spec_from_file_location("score_faq", SCORER)
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module.passes, str(SCORER)
    return _local_passes, "bench/answering.py (a copy of the scorer's rule)"


def load_cases(path: Path) -> list[Case]:
    """The cases of one question set (the scorer's YAML format)."""
    cases: list[Case] = yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]
    return cases


def dev_sets() -> tuple[Path, list[Path]]:
    """The set the latency runs over, and every set accuracy is reported on."""
    if DEV_SET.is_file():
        return DEV_SET, [DEV_SET, *HELDOUT_SETS]
    return HELDOUT_SETS[0], list(HELDOUT_SETS)


class TfidfBaseline:
    """Nearest FAQ example question by cosine over character 2-5-grams, above a threshold."""

    def __init__(self, content: Content, threshold: float = 0.3) -> None:
        self.threshold = threshold
        self._content = content
        texts: list[str] = []
        self._topics: list[str] = []
        for entry in content.faq:
            for lang in LANGUAGES:
                for question in entry.questions[lang]:
                    texts.append(question)
                    self._topics.append(entry.id)
        self._vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5))
        # Rows are L2-normalised, so a dot product is the cosine.
        self._matrix = self._vectorizer.fit_transform(texts).T.tocsr()

    def best(self, text: str) -> tuple[str, float]:
        """The closest example question's topic and its cosine."""
        scores = (self._vectorizer.transform([text]) @ self._matrix).toarray()[0]
        index = int(np.argmax(scores))
        return self._topics[index], float(scores[index])

    def match(self, text: str) -> str | None:
        """The topic, or None below the threshold."""
        topic, score = self.best(text)
        return topic if score >= self.threshold else None

    def answer(self, text: str, lang: Lang) -> dict[str, Any]:
        """What the scorer reads: topic and the reply the resident would see."""
        topic = self.match(text)
        entry = self._content.entry(topic) if topic is not None else None
        return {"topic": topic, "reply": entry.answer[lang] if entry is not None else ""}


@dataclass(frozen=True)
class Accuracy:
    """Passing cases of one set, split as the scorer splits them."""

    name: str
    on_topic: tuple[int, int]
    off_topic: tuple[int, int]

    @property
    def share(self) -> float:
        """All passing cases as a share of all."""
        total = self.on_topic[1] + self.off_topic[1]
        return (self.on_topic[0] + self.off_topic[0]) / total if total else 0.0

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "set": self.name,
            "on_topic": list(self.on_topic),
            "off_topic": list(self.off_topic),
            "share": self.share,
        }


def accuracy(
    name: str, cases: Sequence[Case], answer: Callable[[str, Lang], dict[str, Any]], passes: Passes
) -> Accuracy:
    """Score one engine on one set with the scorer's rule."""
    on, off = [0, 0], [0, 0]
    for case in cases:
        tally = off if case.get("offtopic") else on
        tally[1] += 1
        tally[0] += bool(passes(case, answer(case["q"], case["lang"])))
    return Accuracy(name, (on[0], on[1]), (off[0], off[1]))


def dialogue_answer(dialogue: Dialogue) -> Callable[[str, Lang], dict[str, Any]]:
    """The bot's reply as `omradesbot ask --json` gives it to the scorer."""

    def answer(text: str, lang: Lang) -> dict[str, Any]:
        reply = dialogue.answer(text, lang)
        return {"topic": reply.topic, "reply": reply.text}

    return answer


def latencies(
    questions: Sequence[tuple[str, Lang]], engines: dict[str, Callable[[str, Lang], object]]
) -> dict[str, list[float]]:
    """Seconds per call of each engine, interleaved question by question so drift hits both."""
    times: dict[str, list[float]] = {name: [] for name in engines}
    clock = time.perf_counter
    for text, lang in questions:
        for name, engine in engines.items():
            started = clock()
            engine(text, lang)
            times[name].append(clock() - started)
    return times


def summary(times: Sequence[float]) -> dict[str, float]:
    """Median and p99 in ms, and questions per second over the whole pass."""
    total = sum(times)
    return {
        "median_ms": 1000 * percentile(times, 0.5),
        "p99_ms": 1000 * percentile(times, 0.99),
        "per_second": len(times) / total if total else float("nan"),
        "first_pass_median_ms": float("nan"),
    }


def run(*, quick: bool) -> dict[str, Any]:
    """Latency over the dev questions repeated to 10,000 (1,000 quick), and accuracy per set."""
    passes, scorer = scorer_passes()
    content = load_content(CONTENT_DIR)
    started = time.perf_counter()
    matcher = Matcher(content)
    matcher_build = time.perf_counter() - started
    started = time.perf_counter()
    baseline = TfidfBaseline(content)
    baseline_build = time.perf_counter() - started
    dialogue = Dialogue(content, matcher)

    latency_set, accuracy_sets = dev_sets()
    dev_cases = load_cases(latency_set)
    # The baseline gets its best threshold on the dev set, as the matcher was tuned on it.
    shares: dict[float, float] = {}
    for threshold in THRESHOLDS:
        baseline.threshold = threshold
        shares[threshold] = accuracy("dev", dev_cases, baseline.answer, passes).share
    best = max(THRESHOLDS, key=lambda t: (shares[t], -abs(t - 0.4)))
    baseline.threshold = best

    total = 1_000 if quick else 10_000
    distinct = [(c["q"], c["lang"]) for c in dev_cases]
    questions = [distinct[i % len(distinct)] for i in range(total)]
    # A fresh matcher for the timed pass, so its word cache starts cold like after a restart.
    timed = Matcher(content)
    times = latencies(
        questions,
        {
            "matcher": timed.match,
            "baseline": lambda text, _lang: baseline.match(text),
        },
    )
    results: dict[str, Any] = {
        "questions": total,
        "distinct_questions": len(distinct),
        "latency_set": str(latency_set),
        "scorer": scorer,
        "baseline_threshold": best,
        "build_s": {"matcher": matcher_build, "baseline": baseline_build},
        "matcher": summary(times["matcher"]),
        "baseline": summary(times["baseline"]),
    }
    for name in ("matcher", "baseline"):
        results[name]["first_pass_median_ms"] = 1000 * percentile(times[name][: len(distinct)], 0.5)
    results["accuracy"] = [
        {
            "matcher": accuracy(path.name, cases, dialogue_answer(dialogue), passes).as_dict(),
            "baseline": accuracy(path.name, cases, baseline.answer, passes).as_dict(),
        }
        for path in accuracy_sets
        for cases in [load_cases(path)]
    ]
    return results


def profile(*, quick: bool) -> str:
    """A pyinstrument profile of the matcher over the dev questions (text, for the doc)."""
    from pyinstrument import Profiler  # noqa: PLC0415

    content = load_content(CONTENT_DIR)
    matcher = Matcher(content)
    cases = load_cases(dev_sets()[0])
    profiler = Profiler(interval=0.0002)
    with profiler:
        for _ in range(10 if quick else 100):
            for case in cases:
                matcher.match(case["q"], case["lang"])
    return str(profiler.output_text(unicode=False, color=False, show_all=False))
