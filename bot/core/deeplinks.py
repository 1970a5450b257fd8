"""Deep links into the bot: `https://t.me/<bot>?start=<area>[-<lang>][-<campaign>]`.

Telegram hands the part after `start=` to the bot as `/start <payload>`: at most 64 characters
of `A-Z a-z 0-9 _ -`. Ours names an area, optionally a language and a campaign (where the link
was put: `balltorp-sv-trapphus`). Pure: parsing and building, no I/O, no Telegram types.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote

from bot.content import Texts
from bot.domain import AREAS, LANGUAGES, Area, Button, Lang

MAX_PAYLOAD = 64  # Telegram's limit for a start parameter
MAX_CAMPAIGN = 32  # long enough for "bibliotek2021", short enough to read in /stats
PAYLOAD_CHARACTERS = re.compile(r"[A-Za-z0-9_-]{1,64}")
CAMPAIGN_CHARACTERS = re.compile(r"[a-z0-9]{1,32}")
USERNAME_CHARACTERS = re.compile(r"[A-Za-z][A-Za-z0-9_]{3,31}")
# The campaign of the links residents pass on with "Tell a neighbour": word of mouth, counted.
SHARE_CAMPAIGN = "share"


class DeepLinkError(ValueError):
    """A deep link that cannot be built: an unknown area or language, a bad campaign name."""


@dataclass(frozen=True)
class DeepLink:
    """Where a start came from: an area, maybe a language, maybe a campaign (lowercase)."""

    area: Area
    lang: Lang | None = None
    campaign: str | None = None

    def __post_init__(self) -> None:
        if self.area not in AREAS:
            raise DeepLinkError(f"unknown area {self.area!r}: use one of {', '.join(AREAS)}")
        if self.lang is not None and self.lang not in LANGUAGES:
            raise DeepLinkError(
                f"unknown language {self.lang!r}: use one of {', '.join(LANGUAGES)}"
            )
        if self.campaign is not None and not CAMPAIGN_CHARACTERS.fullmatch(self.campaign):
            raise DeepLinkError(
                f"bad campaign name {self.campaign!r}: 1 to {MAX_CAMPAIGN} letters "
                "a-z and digits, e.g. trapphus or bibliotek2"
            )

    @property
    def payload(self) -> str:
        """The start parameter: `balltorp`, `balltorp-sv`, `balltorp-sv-trapphus`."""
        return "-".join(part for part in (self.area, self.lang, self.campaign) if part)


def parse_payload(payload: str | None) -> DeepLink | None:
    """The deep link a start parameter names, or None for anything else (never an error).

    Case is ignored (`Balltorp-SV` is `balltorp-sv`) so a hand-typed link still works.
    """
    if not payload or not PAYLOAD_CHARACTERS.fullmatch(payload):
        return None
    parts = payload.lower().split("-")
    area, rest = parts[0], parts[1:]
    if area not in AREAS:
        return None
    lang = next((lang for lang in LANGUAGES if rest and rest[0] == lang), None)
    if lang is not None:
        rest = rest[1:]
    if len(rest) > 1:
        return None
    campaign = rest[0] if rest else None
    if campaign is not None and not CAMPAIGN_CHARACTERS.fullmatch(campaign):
        return None
    return DeepLink(next(a for a in AREAS if a == area), lang, campaign)


def normalise_campaign(name: str | None) -> str | None:
    """A staff member's campaign name as links carry it (lowercase); DeepLinkError if bad."""
    if name is None or not name.strip():
        return None
    campaign = name.strip().lower()
    DeepLink("all", None, campaign)  # validates, naming the rule
    return campaign


def normalise_username(name: str) -> str:
    """A bot username without its '@'; DeepLinkError unless Telegram could have issued it."""
    username = name.strip().removeprefix("@")
    if not USERNAME_CHARACTERS.fullmatch(username):
        raise DeepLinkError(
            f"bad bot username {name!r}: 5 to 32 letters, digits and _, starting with a letter"
        )
    return username


def link_url(username: str, link: DeepLink | None = None) -> str:
    """`https://t.me/<username>?start=<payload>`, or the bot's plain link without one."""
    base = f"https://t.me/{username}"
    return f"{base}?start={link.payload}" if link is not None else base


def share_url(url: str, text: str) -> str:
    """Telegram's share dialog for `url` with `text`: the resident picks whom to send it to."""
    return f"https://t.me/share/url?url={quote(url, safe='')}&text={quote(text, safe='')}"


class BotLinks:
    """The bot's username once Telegram told it (getMe at start-up), and the links made of it.

    Until then, or in the terminal chat, there is no username and so no share button.
    """

    def __init__(self, username: str | None = None) -> None:
        self.username = username

    def learn(self, username: str) -> None:
        """The username Telegram gave the bot (getMe), once the transport is connected."""
        self.username = username

    def share(self, area: Area | None, text: str) -> str | None:
        """The share URL passing on a link to `area` (no language: the neighbour's app picks)."""
        if not self.username:
            return None
        link = DeepLink(area, None, SHARE_CAMPAIGN) if area is not None else None
        return share_url(link_url(self.username, link), text)

    def share_rows(
        self, texts: Texts, lang: Lang, area: Area | None
    ) -> tuple[tuple[Button, ...], ...]:
        """The "Tell a neighbour" button row, or no row while the username is unknown."""
        url = self.share(area, texts.get("share_text", lang))
        return ((Button(texts.get("button_share", lang), url=url),),) if url else ()
