"""A resident's whole journey through the emulator, in Swedish and in English."""

from __future__ import annotations

from bot.content import Content
from tests.databases import Database
from tests.e2e.conftest import Resident, labels, rows_in

NOTHING = dict.fromkeys(
    ("residents", "subscriptions", "questions", "deliveries", "tickets", "answers"), 0
)


async def test_swedish_journey_from_start_to_forget(
    resident: Resident, content: Content, bot_database: Database
) -> None:
    texts = content.texts

    welcome = await resident.says("/start")
    assert welcome.text is not None
    assert welcome.text.startswith(texts.get("welcome", "sv")[:20])
    assert "/glom" in welcome.text  # the one line on privacy
    assert labels(welcome) == ["menu:topics", "menu:subscribe", "menu:timeline", "menu:help"]
    assert all(m.parse_mode is None for m in [welcome])

    # Free text with typos gets the FAQ answer.
    answer = await resident.says("varför flytar områdesarbetet till baltorp?")
    why_move = content.entry("why_move")
    assert why_move is not None
    assert why_move.answer["sv"] in answer.text  # beside "why Balltorp", which it also asks

    # The topic menu from the welcome button, then one topic.
    topics = await resident.press(welcome, "menu:topics")
    assert topics.text == texts.get("topics_intro", "sv")
    assert labels(topics) == [f"faq:{entry.id}" for entry in content.faq]
    timeline = content.entry("timeline")
    assert timeline is not None
    assert (await resident.press(topics, "faq:timeline")).text == timeline.answer["sv"]

    # Unsure: "did you mean" buttons, and one of them answers.
    unsure = await resident.says("områden och trygghet?")
    assert unsure.text == texts.get("did_you_mean", "sv")
    offered = [label for label in labels(unsure) if label.startswith("faq:")]
    assert len(offered) >= 2
    first = content.entry(offered[0].removeprefix("faq:"))
    assert first is not None
    assert (await resident.press(unsure, offered[0])).text == first.answer["sv"]

    # Out of scope: an honest "I don't know" with the topic menu.
    unknown = await resident.says("vad kostar en pizza")
    assert unknown.text == texts.get("dont_know", "sv")
    assert labels(unknown) == ["menu:topics"]

    # Subscribing without an area offers buttons; the confirmation names the area.
    menu = await resident.says("/prenumerera")
    assert labels(menu) == ["sub:balltorp", "sub:kallered", "sub:all"]
    assert "Kållered" in (await resident.press(menu, "sub:kallered")).content
    assert "Balltorp" in (await resident.says("/prenumerera balltorp")).content
    assert "redan" in (await resident.says("/prenumerera Balltorp")).content

    # Unsubscribing: one area by name, then the buttons offer only what is left.
    assert "Kållered" in (await resident.says("/avsluta kållered")).content
    left = await resident.says("/avsluta")
    assert labels(left) == ["unsub:balltorp"]

    milestones, picture = await resident.say("/tidslinje", replies=2)  # text, then the picture
    assert picture.method == "sendPhoto"
    assert milestones.content.startswith(texts.get("milestones_intro", "sv"))
    assert all(m.title["sv"] in milestones.content for m in content.milestones)

    # Language switch is remembered, and switching back works.
    assert (await resident.says("/sprak en")).text == texts.get("language_set", "en")
    assert (await resident.says("/hjalp")).content.startswith(texts.get("help_intro", "en"))
    assert (await resident.says("/language svenska")).text == texts.get("language_set", "sv")

    mydata = await resident.says("/minadata")
    shown = mydata.content
    assert str(resident.chat_id) in shown
    assert "Prenumerationer: Balltorp" in shown
    assert "varför flytar områdesarbetet till baltorp?" in shown
    assert "vad kostar en pizza" in shown
    assert "valt av dig" in shown  # the language was chosen, not guessed

    # /forget asks first; "no" keeps everything, "yes" erases everything.
    confirm = await resident.says("/glom")
    assert labels(confirm) == ["forget:yes", "forget:no"]
    assert (await resident.press(confirm, "forget:no")).text == texts.get("forget_kept", "sv")
    assert (await rows_in(bot_database, resident.chat_id))["subscriptions"] == 1
    confirm = await resident.says("/glom")
    assert (await resident.press(confirm, "forget:yes")).text == texts.get("forgotten", "sv")
    assert (await rows_in(bot_database, resident.chat_id)) == NOTHING

    # Looking afterwards stores nothing new either.
    assert (await resident.says("/minadata")).text == texts.get("mydata_nothing", "sv")
    assert (await rows_in(bot_database, resident.chat_id)) == NOTHING


async def test_english_journey_from_start_to_forget(
    english_resident: Resident, content: Content, bot_database: Database
) -> None:
    resident, texts = english_resident, content.texts

    welcome = await resident.says("/start")
    assert welcome.content.startswith(texts.get("welcome", "en")[:20])
    assert "/forget" in welcome.content

    timeline = content.entry("timeline")
    assert timeline is not None
    assert (await resident.says("when does it start in baltorp")).text == timeline.answer["en"]

    topics = await resident.says("/faq")
    assert [b.text for b in topics.buttons] == [e.title["en"] for e in content.faq]
    bid = content.entry("what_bid")
    assert bid is not None
    assert (await resident.press(topics, "faq:what_bid")).text == bid.answer["en"]

    unsure = await resident.says("safety move")  # a real tie: why Balltorp, or why move
    assert unsure.text == texts.get("did_you_mean", "en")
    assert any(label.startswith("faq:") for label in labels(unsure))

    assert (await resident.says("what is the weather")).text == texts.get("dont_know", "en")

    both = await resident.says("/subscribe all")
    assert both.text == texts.get("subscribed", "en", area=texts.get("area_all", "en"))
    assert (await rows_in(bot_database, resident.chat_id))["subscriptions"] == 2
    menu = await resident.says("/unsubscribe")
    assert labels(menu) == ["unsub:balltorp", "unsub:kallered", "unsub:all"]
    assert "Both areas" in (await resident.press(menu, "unsub:all")).content
    assert (await rows_in(bot_database, resident.chat_id))["subscriptions"] == 0
    subscribe_menu = await resident.says("/subscribe")
    assert "Balltorp" in (await resident.press(subscribe_menu, "sub:balltorp")).content

    milestones, picture = await resident.say("/milestones", replies=2)
    assert picture.method == "sendPhoto"
    assert milestones.content.startswith(texts.get("milestones_intro", "en"))

    # The language menu, a Swedish choice, and back to English by button.
    choose = await resident.says("/language")
    assert labels(choose) == ["lang:sv", "lang:en"]
    assert (await resident.press(choose, "lang:sv")).text == texts.get("language_set", "sv")
    assert (await resident.says("/help")).content.startswith(texts.get("help_intro", "sv"))
    choose = await resident.says("/sprak")
    assert (await resident.press(choose, "lang:en")).text == texts.get("language_set", "en")

    mydata = await resident.says("/mydata")
    assert "Subscriptions: Balltorp" in mydata.content
    assert "when does it start in baltorp" in mydata.content

    confirm = await resident.says("/forget")
    assert (await resident.press(confirm, "forget:yes")).text == texts.get("forgotten", "en")
    assert (await rows_in(bot_database, resident.chat_id)) == NOTHING


async def test_command_menus_are_set_per_language(resident: Resident, content: Content) -> None:
    swedish = [c["command"] for c in resident.emulator.commands()]
    english = [c["command"] for c in resident.emulator.commands("en")]
    assert swedish[:3] == ["start", "fragor", "prenumerera"]
    assert "glom" in swedish
    assert english[:3] == ["start", "faq", "subscribe"]
    assert "forget" in english
    descriptions = {c["command"]: c["description"] for c in resident.emulator.commands("en")}
    assert descriptions["mydata"] == content.texts.get("command_mydata", "en")
