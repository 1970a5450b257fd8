"""Load and validate content/examples/*.yaml: residents' messages labelled by topic, or off-topic.

The matcher learns from these (and from each FAQ entry's `questions`) which topic a message is
about, and from the off-topic ones when to say "I don't know". Every file has the same shape:

    examples:
      why_move:                # an FAQ id from faq.yaml
        sv: ["varför flyttar ni", ...]
        en: ["why are you moving", ...]
    offtopic:                  # messages the article does not answer
      sv: [...]
      en: [...]

A problem (an unknown topic id or language, an empty or repeated message, a message given two
labels) names the file, the entry and the line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.content.yamllines import item_line, line_of, load_with_lines

EXAMPLES_DIR = "examples"
LANGUAGES = ("sv", "en")  # as bot.content.LANGUAGES; kept literal to avoid a cycle
_PUNCTUATION_RE = re.compile(r"[^\w]+")


@dataclass(frozen=True)
class Example:
    """One resident message with its label: an FAQ id, or None for off-topic."""

    text: str
    lang: str
    topic: str | None
    where: str  # file and line, for problem messages and `ask --explain`


def example_key(text: str) -> str:
    """What makes two messages the same: case, punctuation and spacing do not count."""
    return " ".join(_PUNCTUATION_RE.sub(" ", text.casefold()).split())


def load_examples(
    directory: Path,
    topic_ids: Iterable[str],
    problems: list[str],
    *,
    seen: Mapping[str, tuple[str | None, str]],
) -> list[Example]:
    """Every example in `directory`/*.yaml, in file order; problems appended to `problems`.

    `seen` maps the keys of messages already used elsewhere (the FAQ's `questions`) to their
    label and where they are, so a message is never taught twice.
    """
    folder = directory / EXAMPLES_DIR
    if not folder.is_dir():
        return []
    ids = frozenset(topic_ids)
    known: dict[str, tuple[str | None, str]] = dict(seen)
    found: list[Example] = []
    for path in sorted(folder.glob("*.yaml")):
        data = _read(path, problems)
        if data is None:
            continue
        if not isinstance(data, Mapping) or not set(data) <= {"examples", "offtopic"} or not data:
            problems.append(f"{path}: must be a mapping with 'examples' and/or 'offtopic'")
            continue
        topics = data.get("examples") or {}
        if not isinstance(topics, Mapping):
            problems.append(f"{path}: examples{line_of(data)}: must map FAQ ids to languages")
            topics = {}
        for topic, texts in topics.items():
            where = f"{path}: {topic}{line_of(topics)}"
            if topic not in ids:
                problems.append(f"{where}: unknown FAQ id {topic!r}")
                continue
            found.extend(
                _texts(path, str(topic), texts, topic=str(topic), known=known, problems=problems)
            )
        if "offtopic" in data:
            found.extend(
                _texts(
                    path, "offtopic", data["offtopic"], topic=None, known=known, problems=problems
                )
            )
    return found


def _read(path: Path, problems: list[str]) -> Any:
    try:
        return load_with_lines(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(f"{path}: cannot be read ({exc})")
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f"line {mark.line + 1}: " if mark is not None else ""
        problems.append(f"{path}: {line}YAML does not parse: {exc.problem or exc}")
    except yaml.YAMLError as exc:
        problems.append(f"{path}: YAML does not parse: {exc}")
    return None


def _texts(
    path: Path,
    entry: str,
    value: Any,
    *,
    topic: str | None,
    known: dict[str, tuple[str | None, str]],
    problems: list[str],
) -> list[Example]:
    """The messages of one entry ({sv: [...], en: [...]}), checked."""
    where = f"{path}: {entry}{line_of(value)}"
    if not isinstance(value, Mapping):
        problems.append(f"{where}: must map each language (sv, en) to a list of messages")
        return []
    out: list[Example] = []
    for lang, texts in value.items():
        if lang not in LANGUAGES:
            problems.append(f"{where}: unknown language {lang!r} (use sv or en)")
            continue
        if not isinstance(texts, list):
            problems.append(f"{where}: {lang}: must be a list of messages")
            continue
        for index, text in enumerate(texts):
            at = f"{path}: {entry}: {lang}[{index}]{item_line(texts, index)}"
            if not isinstance(text, str) or not example_key(text):
                problems.append(f"{at}: empty message")
                continue
            key = example_key(text)
            if key in known:
                label, first = known[key]
                clash = "repeats" if label == topic else "contradicts"
                problems.append(f"{at}: {clash} {first}: {text.strip()!r}")
                continue
            known[key] = (topic, at)
            out.append(Example(text.strip(), lang, topic, at))
    return out
