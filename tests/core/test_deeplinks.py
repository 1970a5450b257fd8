"""Deep-link payloads: what /start accepts, and the links posters and the share button carry."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.deeplinks import (
    MAX_PAYLOAD,
    BotLinks,
    DeepLink,
    DeepLinkError,
    link_url,
    normalise_campaign,
    normalise_username,
    parse_payload,
    share_url,
)
from bot.core.invitations import parse_poster_order
from bot.domain import AREAS, LANGUAGES


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ("balltorp", DeepLink("balltorp")),
        ("balltorp-en", DeepLink("balltorp", "en")),
        ("kallered-sv-trapphus", DeepLink("kallered", "sv", "trapphus")),
        ("all-share", DeepLink("all", None, "share")),
        ("Balltorp-SV-Bibliotek2", DeepLink("balltorp", "sv", "bibliotek2")),
    ],
)
def test_a_link_names_an_area_maybe_a_language_and_a_campaign(
    payload: str, expected: DeepLink
) -> None:
    assert parse_payload(payload) == expected


@pytest.mark.parametrize(
    "payload",
    [
        None,
        "",
        "no-such-place",
        "balltorp-sv-trapp-hus",
        "balltorp-sv-trapp_hus",
        "balltorp--sv",
        "balltorp-",
        "kållered",
        "balltorp sv",
        "balltorp-sv-" + "x" * 33,
        "b" * (MAX_PAYLOAD + 1),
    ],
)
def test_anything_else_is_no_link(payload: str | None) -> None:
    assert parse_payload(payload) is None


@given(
    area=st.sampled_from(AREAS),
    lang=st.none() | st.sampled_from(LANGUAGES),
    campaign=st.none() | st.from_regex(r"[a-z0-9]{1,32}", fullmatch=True),
)
def test_every_link_we_make_reads_back_and_fits_telegrams_limit(
    area: str, lang: str | None, campaign: str | None
) -> None:
    if campaign in LANGUAGES and lang is None:
        return  # "balltorp-en" is a language: staff cannot name a campaign "sv" or "en" alone
    link = DeepLink(area, lang, campaign)  # type: ignore[arg-type]
    assert len(link.payload) <= MAX_PAYLOAD
    assert parse_payload(link.payload) == link


@given(st.text(max_size=80))
def test_no_text_makes_parsing_fail(payload: str) -> None:
    link = parse_payload(payload)
    assert link is None or link.payload == payload.lower()


def test_links_and_share_urls() -> None:
    link = DeepLink("balltorp", "sv", "trapphus")
    assert link_url("omradesbot", link) == "https://t.me/omradesbot?start=balltorp-sv-trapphus"
    assert link_url("omradesbot") == "https://t.me/omradesbot"

    shared = urlsplit(share_url("https://t.me/omradesbot?start=balltorp-share", "Hej & välkommen"))
    assert (shared.netloc, shared.path) == ("t.me", "/share/url")
    query = parse_qs(shared.query)
    assert query == {
        "url": ["https://t.me/omradesbot?start=balltorp-share"],
        "text": ["Hej & välkommen"],
    }


def test_the_share_link_carries_the_area_but_no_language() -> None:
    assert BotLinks().share("balltorp", "text") is None  # no username yet: no share button
    url = BotLinks("omradesbot").share("balltorp", "text")
    assert url is not None
    assert parse_qs(urlsplit(url).query)["url"] == ["https://t.me/omradesbot?start=balltorp-share"]


def test_campaign_and_username_rules_name_the_problem() -> None:
    assert normalise_campaign(" Trapphus ") == "trapphus"
    assert normalise_campaign(None) is None
    with pytest.raises(DeepLinkError, match="campaign"):
        normalise_campaign("trapp-hus")
    assert normalise_username("@OmradesBot") == "OmradesBot"
    with pytest.raises(DeepLinkError, match="username"):
        normalise_username("bot")
    with pytest.raises(DeepLinkError, match="area"):
        DeepLink("lindome")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("args", "payload"),
    [
        ("balltorp", "balltorp-sv"),
        ("Kållered en", "kallered-en"),
        ("balltorp sv trapphus", "balltorp-sv-trapphus"),
        ("alla Bibliotek", "all-sv-bibliotek"),
    ],
)
def test_poster_orders(args: str, payload: str) -> None:
    order = parse_poster_order(args)
    assert order is not None
    assert order.link.payload == payload


@pytest.mark.parametrize(
    "args", ["", "lindome", "balltorp sv trapp-hus", "balltorp sv a b", "balltorp de x"]
)
def test_bad_poster_orders(args: str) -> None:
    assert parse_poster_order(args) is None
