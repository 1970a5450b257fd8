"""The dialogue: what residents read for every command, question and button, in both languages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, replace

import pytest

from bot.config import DEFAULT_TIMEZONE as STOCKHOLM
from bot.content import Content, Texts
from bot.content.texts import text_problems
from bot.core.dialogue import COMMANDS, Dialogue, resolve_command
from bot.domain import (
    FAQ_PREFIX,
    FORGET_NO,
    FORGET_YES,
    LANGUAGES,
    MAX_CALLBACK_DATA,
    MAX_TEXT,
    MENU_HELP,
    MENU_SUBSCRIBE,
    MENU_TIMELINE,
    MENU_TOPICS,
    Button,
    Lang,
    Reply,
)
from bot.errors import ContentError

NOW = dt.datetime(2021, 5, 1, 12, 0, tzinfo=STOCKHOLM)  # after the survey, before the start


@dataclass(frozen=True)
class Match:
    """Same shape as bot.matching.Match: what a matcher decided about one question."""

    topic: str | None
    score: float
    suggestions: tuple[str, ...] = ()
    smalltalk: str | None = None
    language: Lang | None = None
    also: tuple[str, ...] = ()
    related: tuple[str, ...] = ()


class ScriptedMatcher:
    """Answers each question with the Match scripted for it: the seam the dialogue reads."""

    def __init__(self, script: dict[str, Match]) -> None:
        self.script = script
        self.asked: list[tuple[str, Lang]] = []

    def match(self, text: str, lang: Lang = "sv") -> Match:
        self.asked.append((text, lang))
        return self.script.get(text, Match(topic=None, score=0.05))


SCRIPT = {
    "varför flyttar ni?": Match("why_move", 0.91),
    "why are you moving?": Match("why_move", 0.9, language="en"),
    "hej": Match(None, 0.95, smalltalk="greeting"),
    "tack": Match(None, 0.95, smalltalk="thanks"),
    "när unga?": Match(None, 0.4, suggestions=("young_developers", "timeline", "gone")),
    "ghost": Match("no_such_topic", 0.9),
}


@pytest.fixture
def matcher() -> ScriptedMatcher:
    return ScriptedMatcher(dict(SCRIPT))


@pytest.fixture
def dialogue(min_content: Content, matcher: ScriptedMatcher) -> Dialogue:
    return Dialogue(min_content, matcher)


def all_replies(dialogue: Dialogue, lang: Lang) -> Iterator[Reply]:
    yield dialogue.welcome(lang)
    yield dialogue.help(lang)
    yield dialogue.topics(lang)
    yield dialogue.topic("why_move", lang)
    yield dialogue.topic("nope", lang)
    for question in SCRIPT:
        yield dialogue.answer(question, lang)
    yield dialogue.answer("vad kostar en parkeringstillstånd?", lang)
    yield dialogue.milestones(lang, NOW)
    yield dialogue.subscribe_menu(lang)
    yield dialogue.unsubscribe_menu(lang)
    yield dialogue.language_menu(lang)
    yield dialogue.forget_confirm(lang)
    yield dialogue.unknown_command(lang)
    yield dialogue.non_text(lang)
    yield dialogue.flood_notice(lang)
    yield dialogue.expired_button(lang)
    yield dialogue.apology(lang)


def labels(reply: Reply) -> list[str]:
    return [button.label for row in reply.buttons for button in row]


def datas(reply: Reply) -> list[str]:
    return [button.data for row in reply.buttons for button in row]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_reply_fits_telegram(dialogue: Dialogue, lang: Lang) -> None:
    for reply in all_replies(dialogue, lang):
        assert reply.text.strip()
        assert len(reply.text) <= MAX_TEXT
        for data in datas(reply):
            assert len(data.encode()) <= MAX_CALLBACK_DATA


@pytest.mark.parametrize("lang", LANGUAGES)
def test_real_content_topic_menu_fits_telegram(content: Content, lang: Lang) -> None:
    reply = Dialogue(content, ScriptedMatcher({})).topics(lang)
    assert len(datas(reply)) == len(content.faq)
    assert all(len(d.encode()) <= MAX_CALLBACK_DATA for d in datas(reply))


def test_welcome_swedish_names_the_topic_privacy_and_menu(dialogue: Dialogue) -> None:
    reply = dialogue.welcome("sv")
    assert "Kållered" in reply.text
    assert "Balltorp" in reply.text
    assert "/minadata" in reply.text
    assert "/glom" in reply.text
    assert labels(reply) == ["Ämnen", "Prenumerera", "Tidslinje", "Hjälp"]
    assert datas(reply) == [MENU_TOPICS, MENU_SUBSCRIBE, MENU_TIMELINE, MENU_HELP]


def test_welcome_english(dialogue: Dialogue) -> None:
    reply = dialogue.welcome("en")
    assert "/mydata" in reply.text
    assert "/forget" in reply.text
    assert labels(reply) == ["Topics", "Subscribe", "Timeline", "Help"]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_help_lists_every_command_with_its_alias(
    min_content: Content, matcher: ScriptedMatcher, lang: Lang
) -> None:
    text = Dialogue(min_content, matcher, ask_staff=True).help(lang).text
    for command in COMMANDS:
        assert f"/{command.name}" in text
        assert f"/{command.alias}" in text
    for alias in ("/fragor", "/prenumerera", "/avsluta", "/tidslinje", "/sprak", "/minadata"):
        assert alias in text


def test_help_offers_asking_the_staff_only_when_there_are_staff(dialogue: Dialogue) -> None:
    assert "/fraga" not in dialogue.help("sv").text
    assert "/ask" not in dialogue.help("en").text


def test_help_shows_swedish_command_first_in_swedish(dialogue: Dialogue) -> None:
    assert "/hjalp (/help)" in dialogue.help("sv").text
    assert "/help (/hjalp)" in dialogue.help("en").text


def test_topics_menu_has_one_button_per_entry_two_per_row(dialogue: Dialogue) -> None:
    reply = dialogue.topics("sv")
    assert [len(row) for row in reply.buttons] == [2, 1]
    assert datas(reply) == ["faq:why_move", "faq:timeline", "faq:young_developers"]
    assert labels(reply)[0] == "Varför flyttar arbetet?"
    assert labels(dialogue.topics("en"))[0] == "Why is the work moving?"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_topic_gives_the_answer_and_more_topics(
    dialogue: Dialogue, min_content: Content, lang: Lang
) -> None:
    reply = dialogue.topic("timeline", lang)
    entry = min_content.entry("timeline")
    assert entry is not None
    assert reply.text == entry.answer[lang]
    assert reply.topic == "timeline"
    assert datas(reply) == [MENU_TOPICS]
    assert labels(reply) == [{"sv": "Fler ämnen", "en": "More topics"}[lang]]


def test_unknown_topic_is_a_harmless_notice(dialogue: Dialogue) -> None:
    reply = dialogue.topic("../../etc/passwd", "sv")
    assert reply.topic is None
    assert "../../etc/passwd" not in reply.text
    assert datas(reply) == [MENU_TOPICS]


def test_question_gets_faq_answer_with_topic_and_score(dialogue: Dialogue) -> None:
    reply = dialogue.answer("varför flyttar ni?", "sv")
    assert reply.topic == "why_move"
    assert reply.score == pytest.approx(0.91)
    assert "Balltorp" in reply.text
    assert "Kållered BID har" in reply.text


def test_question_detected_as_english_is_answered_in_english(dialogue: Dialogue) -> None:
    reply = dialogue.answer("why are you moving?", "sv")
    assert reply.topic == "why_move"
    assert reply.text.startswith("Kållered BID has a similar mission")


def test_matcher_is_asked_in_the_residents_language(
    dialogue: Dialogue, matcher: ScriptedMatcher
) -> None:
    dialogue.answer("varför flyttar ni?", "en")
    assert matcher.asked == [("varför flyttar ni?", "en")]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_greeting_is_small_talk_not_a_topic(dialogue: Dialogue, lang: Lang) -> None:
    reply = dialogue.answer("hej", lang)
    assert reply.topic is None
    assert reply.smalltalk == "greeting"
    assert "Balltorp" in reply.text
    assert datas(reply) == [MENU_TOPICS]


def test_thanks_needs_no_menu(dialogue: Dialogue) -> None:
    reply = dialogue.answer("tack", "sv")
    assert reply.text == "Varsågod!"
    assert reply.buttons == ()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_unsure_offers_did_you_mean_buttons_for_known_topics(
    dialogue: Dialogue, lang: Lang
) -> None:
    reply = dialogue.answer("när unga?", lang)
    assert reply.topic is None
    assert reply.suggestions == ("young_developers", "timeline")
    assert {"sv": "Menade du", "en": "Did you mean"}[lang] in reply.text
    assert datas(reply) == ["faq:young_developers", "faq:timeline", MENU_TOPICS]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_unknown_question_is_an_honest_dont_know_without_echo(
    dialogue: Dialogue, lang: Lang
) -> None:
    question = "<b>Vad kostar parkeringstillstånd?</b>"
    reply = dialogue.answer(question, lang)
    assert reply.topic is None
    assert question not in reply.text
    assert "parkeringstillstånd" not in reply.text
    assert "Kållered" in reply.text
    assert "Balltorp" in reply.text
    assert datas(reply) == [MENU_TOPICS]


def test_matcher_topic_missing_from_content_is_not_answered(dialogue: Dialogue) -> None:
    reply = dialogue.answer("ghost", "sv")
    assert reply.topic is None
    assert reply.text == dialogue.answer("something else entirely", "sv").text


def test_blank_question_does_not_reach_the_matcher(
    dialogue: Dialogue, matcher: ScriptedMatcher
) -> None:
    reply = dialogue.answer("   ", "sv")
    assert reply.topic is None
    assert matcher.asked == []


def test_longest_telegram_message_is_handled(dialogue: Dialogue) -> None:
    reply = dialogue.answer("ö" * 4096, "sv")
    assert reply.topic is None
    assert len(reply.text) <= MAX_TEXT


def test_milestones_mark_past_and_coming_steps(dialogue: Dialogue) -> None:
    text = dialogue.milestones("sv", NOW).text
    assert "⌛ hösten 2020: Områdesarbetet i Kållered fasas ut." in text
    assert "⌛ våren 2021: En kartläggning görs i Balltorp." in text
    assert "⏳ hösten 2021: Områdesarbetet i Balltorp drar igång." in text
    assert text.index("hösten 2020") < text.index("våren 2021") < text.index("hösten 2021")


def test_milestones_in_english_use_the_season_label(dialogue: Dialogue) -> None:
    text = dialogue.milestones("en", dt.datetime(2030, 1, 1, tzinfo=STOCKHOLM)).text
    assert "⌛ autumn 2021: The area-based community work in Balltorp starts." in text
    assert "⏳" not in text.split("\n", 1)[1]


def test_exact_milestone_shows_date_and_time(min_content: Content) -> None:
    exact = replace(
        min_content.milestones[0],
        label=None,
        when=dt.datetime(2027, 1, 15, 18, 0, tzinfo=STOCKHOLM),
    )
    dialogue = Dialogue(replace(min_content, milestones=(exact,)), ScriptedMatcher({}))
    assert "⏳ 2027-01-15 kl. 18:00:" in dialogue.milestones("sv", NOW).text
    assert "⏳ 2027-01-15 at 18:00:" in dialogue.milestones("en", NOW).text


def test_no_milestones_says_so(min_content: Content) -> None:
    dialogue = Dialogue(replace(min_content, milestones=()), ScriptedMatcher({}))
    assert "inga datum" in dialogue.milestones("sv", NOW).text


def test_milestones_need_an_aware_now(dialogue: Dialogue) -> None:
    with pytest.raises(ValueError, match="aware"):
        dialogue.milestones("sv", dt.datetime(2021, 1, 1))


def test_subscribe_and_language_and_forget_menus(dialogue: Dialogue) -> None:
    assert datas(dialogue.subscribe_menu("sv")) == ["sub:balltorp", "sub:kallered", "sub:all"]
    assert labels(dialogue.subscribe_menu("sv")) == ["Balltorp", "Kållered", "Båda områdena"]
    assert datas(dialogue.unsubscribe_menu("en", ["kallered"])) == ["unsub:kallered"]
    assert datas(dialogue.language_menu("sv")) == ["lang:sv", "lang:en"]
    assert datas(dialogue.forget_confirm("en")) == [FORGET_YES, FORGET_NO]
    assert dialogue.area_name("all", "en") == "Both areas"


@pytest.mark.parametrize(
    ("method", "sv_words", "en_words"),
    [
        ("unknown_command", "/hjalp", "/help"),
        ("non_text", "text", "text"),
        ("flood_notice", "Vänta", "wait"),
        ("expired_button", "knappen", "button"),
        ("apology", "fel", "wrong"),
    ],
)
def test_notices_in_both_languages(
    dialogue: Dialogue, method: str, sv_words: str, en_words: str
) -> None:
    assert sv_words in getattr(dialogue, method)("sv").text
    assert en_words in getattr(dialogue, method)("en").text


def test_press_routes_stateless_buttons(dialogue: Dialogue) -> None:
    assert dialogue.press("faq:timeline", "sv", NOW) == dialogue.topic("timeline", "sv")
    assert dialogue.press(MENU_TOPICS, "en", NOW) == dialogue.topics("en")
    assert dialogue.press(MENU_TIMELINE, "sv", NOW) == dialogue.milestones("sv", NOW)
    assert dialogue.press(MENU_HELP, "sv", NOW) == dialogue.help("sv")


@pytest.mark.parametrize(
    "data", [MENU_SUBSCRIBE, "sub:balltorp", "unsub:all", "lang:en", FORGET_YES, FORGET_NO]
)
def test_press_leaves_stateful_buttons_to_the_transport(dialogue: Dialogue, data: str) -> None:
    assert dialogue.press(data, "sv", NOW) is None


@pytest.mark.parametrize(
    "data", ["", "sub:mars", "lang:de", "menu:admin", "forget:maybe", "x" * 64]
)
def test_press_with_forged_data_gets_expired_notice(dialogue: Dialogue, data: str) -> None:
    assert dialogue.press(data, "sv", NOW) == dialogue.expired_button("sv")


def test_faq_button_for_removed_topic_is_harmless(dialogue: Dialogue) -> None:
    reply = dialogue.press(FAQ_PREFIX + "removed", "sv", NOW)
    assert reply == dialogue.topic("removed", "sv")
    assert reply is not None
    assert reply.topic is None


@pytest.mark.parametrize(
    ("word", "name"),
    [("/hjalp", "help"), ("/help@OmradesBot", "help"), ("/GLOM", "forget"), ("/start", "start")],
)
def test_resolve_command_knows_aliases(word: str, name: str) -> None:
    assert resolve_command(word) == name


def test_resolve_command_unknown_is_none() -> None:
    assert resolve_command("/weather") is None


def test_button_data_over_64_bytes_is_refused() -> None:
    with pytest.raises(ValueError, match="64 bytes"):
        Button("x", "faq:" + "å" * 31)


def test_reply_longer_than_telegram_allows_is_cut() -> None:
    assert len(Reply("a" * 5000).text) == MAX_TEXT


def test_dialogue_refuses_texts_missing_a_key(min_content: Content) -> None:
    strings = {k: v for k, v in min_content.texts.strings.items() if k != "did_you_mean"}
    broken = replace(min_content, texts=Texts(strings))
    with pytest.raises(ContentError, match="did_you_mean: missing"):
        Dialogue(broken, ScriptedMatcher({}))


def test_text_with_unknown_placeholder_is_a_problem(min_content: Content) -> None:
    strings = dict(min_content.texts.strings)
    strings["apology"] = {"sv": "Fel {code}", "en": "Error {code}"}
    problems = text_problems(Texts(strings), "content/texts.yaml")
    assert problems == [
        "content/texts.yaml: apology: 'sv' uses unknown placeholder {code} (allowed: none)",
        "content/texts.yaml: apology: 'en' uses unknown placeholder {code} (allowed: none)",
    ]
