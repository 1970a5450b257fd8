"""Small talk: the greetings, thanks and farewells of content/faq.yaml `smalltalk`, recognised in
a message whole (with a typo's tolerance) or opening a short one. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Iterable

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.content import SmallTalk
from bot.domain import LANGUAGES
from bot.matching.normalise import fold

# Small talk a long message may open or close with; it is dropped from the reading.
_DROPPABLE = frozenset({"greeting", "thanks", "goodbye"})
_FUZZY_LENGTH = 40  # characters: a longer message is small talk only word for word
_SIMILARITY = 0.85  # how near a typo'd phrase must be ("tack så mycke")


class Talk:
    """The small-talk phrases, folded, with the id of the talk each belongs to."""

    def __init__(self, smalltalk: Iterable[SmallTalk]) -> None:
        self._ids: dict[str, str] = {}
        for talk in smalltalk:
            for lang in LANGUAGES:
                for phrase in talk.questions[lang]:
                    self._ids.setdefault(fold(phrase), talk.id)
        self._phrases = tuple(self._ids)
        self.key = repr(sorted(self._ids.items())).encode()  # for the training key
        self.thanks = frozenset(phrase for phrase, talk in self._ids.items() if talk == "thanks")
        self.droppable = frozenset(
            phrase for phrase, talk in self._ids.items() if talk in _DROPPABLE
        )

    def whole(self, words: list[str]) -> str | None:
        """The talk a whole message (its folded words) is, allowing a typo in a short one."""
        text = " ".join(words)
        if text in self._ids:
            return self._ids[text]
        if len(text) <= _FUZZY_LENGTH:
            found = process.extractOne(
                text, self._phrases, scorer=OSA.normalized_similarity, score_cutoff=_SIMILARITY
            )
            if found is not None:
                return self._ids[found[0]]
        return None

    def thanks_in(self, sentences: Iterable[str]) -> bool:
        """True when one of the sentences opens with thanks ("Tack för allt ...")."""
        return any(opens_with_thanks(fold(sentence).split(), self.thanks) for sentence in sentences)

    def prefix(self, words: list[str]) -> str | None:
        """Small talk opening a short message nothing else in which is understood."""
        for size in range(min(4, len(words)), 0, -1):
            if len(words) > size + 3:
                continue
            talk = self._ids.get(" ".join(words[:size]))
            if talk is not None:
                return talk
        return None


def opens_with_thanks(words: list[str], thanks: frozenset[str]) -> bool:
    """True when the folded words open with a thanks phrase ("tack", "tack sa mycket")."""
    return bool(words) and (words[0] in thanks or " ".join(words[:2]) in thanks)
