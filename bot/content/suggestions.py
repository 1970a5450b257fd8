"""Draft FAQ entries from staff answers, appended to content/suggestions.yaml for a person to check.

The draft has faq.yaml's schema so that moving it is a copy, and `omradesbot check-content`
validates it. Staff answers are not from the article, yet every entry needs a verbatim source
quote: the draft gets the article sentence closest to the question and answer, with a comment
saying a person must check that it really supports the answer before the entry goes live.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from pathlib import Path

import yaml

from bot.content import SUGGESTIONS_FILE, load_content
from bot.domain import LANGUAGES, Lang
from bot.errors import ContentError, OmradesbotError
from bot.matching.normalise import tokens

ARTICLE = Path("source") / "article.sv.txt"
HEADER = (
    "# Draft FAQ entries made from staff answers with /suggest (same schema as faq.yaml).\n"
    "# Nothing here is live: a person checks an entry, fixes it and moves it to faq.yaml.\n"
    "faq:\n"
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_TITLE_LIMIT = 80
_TODO = {"sv": "ÖVERSÄTT", "en": "TRANSLATE"}


class SuggestionError(OmradesbotError):
    """The draft could not be added; `existing` names the entry when it is already there."""

    def __init__(self, problems: list[str], existing: str | None = None) -> None:
        self.problems = problems
        self.existing = existing
        super().__init__("; ".join(problems) or f"already suggested as {existing}")


def entry_id(ticket_id: int) -> str:
    """The id of the draft made from one ticket (stable, so a ticket is suggested once)."""
    return f"ticket-{ticket_id}"


def article_sentences(article: str) -> list[str]:
    """The article's sentences, whitespace collapsed, so each is a verbatim quote for the loader."""
    squashed = " ".join(article.split())
    return [s.strip() for s in _SENTENCE_END.split(squashed) if s.strip()]


def closest_sentence(sentences: list[str], text: str) -> str:
    """The sentence sharing the most words with `text`, long sentences weighed down."""
    wanted = {t for t in tokens(text) if len(t) > 2}

    def score(sentence: str) -> float:
        words = {t for t in tokens(sentence) if len(t) > 2}
        return len(words & wanted) / math.sqrt(len(words) or 1)

    return max(sentences, key=score)


def draft_yaml(
    ticket_id: int, question: str, answer: str, *, lang: Lang, source: str, now: dt.datetime
) -> str:
    """One list item for suggestions.yaml, indented under `faq:`, with a comment for the editor."""
    other: list[Lang] = [other for other in LANGUAGES if other != lang]

    def localized(text: str) -> dict[str, str]:
        values = {lang: text}
        values.update({o: f"{_TODO[o]}: {text}" for o in other})
        return {code: values[code] for code in LANGUAGES}

    title = " ".join(question.split())
    if len(title) > _TITLE_LIMIT:
        title = title[: _TITLE_LIMIT - 1] + "…"
    entry = {
        "id": entry_id(ticket_id),
        "title": localized(title),
        "answer": localized(answer.strip()),
        "questions": {code: [text] for code, text in localized(" ".join(question.split())).items()},
        "source": [source],
    }
    body = yaml.safe_dump([entry], allow_unicode=True, sort_keys=False, width=100)
    todo = "/".join(_TODO[o] for o in other)
    comment = (
        f"# From ticket #{ticket_id}, {now.date().isoformat()}. NOT CHECKED: the source sentence\n"
        "# was picked by similarity and may not support the staff's answer. A person must\n"
        f"# check it, translate the {todo} texts and then move the entry to faq.yaml.\n"
    )
    lines = (comment + body).splitlines()
    return "".join(f"  {line}\n" for line in lines)


def append_suggestion(
    directory: Path,
    *,
    ticket_id: int,
    question: str,
    answer: str,
    lang: Lang,
    now: dt.datetime,
) -> str:
    """Append the draft of one answered ticket to suggestions.yaml and validate; return its id.

    The file is left as it was when the result would not validate (SuggestionError lists the
    problems) or when the ticket was already suggested (SuggestionError.existing).
    """
    path = directory / SUGGESTIONS_FILE
    new_id = entry_id(ticket_id)
    before = path.read_text(encoding="utf-8") if path.exists() else None
    if before is not None:
        try:
            data = yaml.safe_load(before)
        except yaml.YAMLError as exc:
            raise SuggestionError([f"{path}: YAML does not parse: {exc}"]) from None
        items = data.get("faq") if isinstance(data, dict) else None
        if isinstance(items, list) and any(
            isinstance(i, dict) and i.get("id") == new_id for i in items
        ):
            raise SuggestionError([], existing=new_id)
    try:
        article = (directory / ARTICLE).read_text(encoding="utf-8")
    except OSError as exc:
        raise SuggestionError([f"{directory / ARTICLE}: cannot be read ({exc})"]) from None
    source = closest_sentence(article_sentences(article), f"{question} {answer}")
    text = draft_yaml(ticket_id, question, answer, lang=lang, source=source, now=now)
    if before is None or not before.strip():
        updated = HEADER + text
    else:
        updated = before if before.endswith("\n") else before + "\n"
        if re.search(r"^faq:\s*\[\s*\]\s*$", updated, re.M):
            updated = re.sub(r"^faq:\s*\[\s*\]\s*$", "faq:", updated, flags=re.M)
        updated += text
    path.write_text(updated, encoding="utf-8")
    try:
        load_content(directory)
    except ContentError as exc:
        mine = [p for p in exc.problems if SUGGESTIONS_FILE in p]
        if mine:
            if before is None:
                path.unlink()
            else:
                path.write_text(before, encoding="utf-8")
            raise SuggestionError(mine) from None
    return new_id
