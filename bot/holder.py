"""The live content: content with its matcher and dialogue, swapped whole on /reload."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.config import DEFAULT_TIMEZONE, Settings
from bot.content import TEXTS_FILE, Content, load_content
from bot.content.texts import text_problems
from bot.core.dialogue import Dialogue
from bot.errors import ContentError
from bot.matching import Matcher, ModelStore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ContentBundle:
    """Content with the matcher and dialogue built from it; replaced as a whole on reload."""

    content: Content
    matcher: Matcher
    dialogue: Dialogue

    @classmethod
    def build(
        cls, content: Content, *, ask_staff: bool = False, store: ModelStore | None = None
    ) -> ContentBundle:
        """Build the matcher and dialogue; ContentError if the texts miss a key the bot needs.

        `store` keeps the matcher's trained model between starts (see bot/matching/store.py).
        """
        problems = text_problems(content.texts, str(content.directory / TEXTS_FILE))
        if problems:
            raise ContentError(problems)
        matcher = Matcher(content, store=store)
        return cls(content, matcher, Dialogue(content, matcher, ask_staff=ask_staff))


def model_store(settings: Settings) -> ModelStore | None:
    """Where the matcher keeps its trained model between starts, if anywhere."""
    return ModelStore(settings.cache_dir) if settings.cache_dir is not None else None


class ContentHolder:
    """The live content; `reload()` swaps it in one assignment, so a reader never sees a mix."""

    def __init__(
        self,
        bundle: ContentBundle,
        directory: Path,
        *,
        ask_staff: bool = False,
        store: ModelStore | None = None,
        zone: ZoneInfo = DEFAULT_TIMEZONE,
    ) -> None:
        self._bundle = bundle
        self._directory = directory
        self._zone = zone
        self._ask_staff = ask_staff
        self._store = store

    @classmethod
    def load(
        cls,
        directory: Path,
        *,
        ask_staff: bool = False,
        store: ModelStore | None = None,
        zone: ZoneInfo = DEFAULT_TIMEZONE,
    ) -> ContentHolder:
        """Load and validate `directory`; ContentError lists every problem.

        `ask_staff`: the dialogue offers "Ask the staff" (only when staff can answer).
        `store`: where the matcher keeps its trained model between starts.
        `zone`: the settings' time zone, in which milestone times are read.
        """
        content = load_content(directory, zone=zone)
        bundle = ContentBundle.build(content, ask_staff=ask_staff, store=store)
        return cls(bundle, directory, ask_staff=ask_staff, store=store, zone=zone)

    @property
    def current(self) -> ContentBundle:
        """The bundle to use for one whole reply (take it once, then use its parts)."""
        return self._bundle

    def reload(self) -> ContentBundle:
        """Re-read the content; on ContentError the old content stays live and the error rises."""
        bundle = ContentBundle.build(
            load_content(self._directory, zone=self._zone),
            ask_staff=self._ask_staff,
            store=self._store,
        )
        self._bundle = bundle
        log.info("content reloaded from %s: %d topics", self._directory, len(bundle.content.faq))
        return bundle


def build_dialogue(settings: Settings, content_dir: Path | None = None) -> Dialogue:
    """The dialogue alone (`omradesbot ask` and `chat`): content, matcher, no database."""
    content = load_content(content_dir or settings.content_dir, zone=settings.timezone)
    return Dialogue(content, Matcher(content, store=model_store(settings)))
