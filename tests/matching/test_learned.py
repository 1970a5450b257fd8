"""The learned scorer: what an editor adds to content/examples changes the answers; the trained
model is kept between starts and never used for content it was not trained on."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bot.content import Content, load_content
from bot.core.dialogue import Dialogue
from bot.domain import FAQ_PREFIX
from bot.matching import Matcher, ModelStore, learned
from bot.matching.decide import forget_trained
from tests.conftest import CONTENT_DIR, MakeContent


def add_examples(directory: Path, text: str) -> Content:
    (directory / "examples" / "editor.yaml").write_text(text, encoding="utf-8")
    return load_content(directory)


def test_adding_an_example_changes_an_answer(tmp_content: MakeContent) -> None:
    directory = tmp_content()
    question = "Hur funkar grannsamverkan i Balltorp?"
    assert Matcher(load_content(directory)).match(question, "sv").topic is None
    content = add_examples(directory, f"examples:\n  partners:\n    sv: ['{question}']\n")
    assert Matcher(content).match(question, "sv").topic == "partners"


def test_an_off_topic_example_keeps_a_question_unanswered(tmp_content: MakeContent) -> None:
    directory = tmp_content()
    question = "Vad gör områdesarbetet på kvällarna?"
    assert Matcher(load_content(directory)).match(question, "sv").topic == "what_is"
    content = add_examples(directory, f"offtopic:\n  sv: ['{question}']\n")
    assert Matcher(content).match(question, "sv").topic is None


def test_i_dont_know_offers_the_related_topic_and_the_staff(content: Content) -> None:
    matcher = Matcher(content)
    reply = Dialogue(content, matcher, ask_staff=True).answer(
        "Vad har Henrik Dahlqvist för telefonnummer?", "sv"
    )
    assert reply.topic is None
    data = [button.data for row in reply.buttons for button in row]
    assert data[0] == FAQ_PREFIX + "henrik"
    assert "ticket:ask" in data
    assert "Henrik Dahlqvist är chef" not in reply.text  # no answer that lacks the number


@pytest.mark.parametrize(
    "question",
    [
        "vilka fastighetsbolag är med",  # which companies by name: the article does not say
        "vem ska jag kontakta om jag vill vara med?",  # whom to contact
        "vilka politiker sitter i kultur- och fritidsnämnden?",  # the committee's members
    ],
)
def test_what_the_article_lacks_is_not_answered(content: Content, question: str) -> None:
    match = Matcher(content).match(question, "sv")
    assert match.topic is None, match


def test_a_trained_model_is_kept_and_used_again(content: Content, tmp_path: Path) -> None:
    store = ModelStore(tmp_path / "cache")
    forget_trained()
    first = Matcher(content, store=store)
    assert first.trained_now
    assert store.path(first.key).exists()
    forget_trained()
    second = Matcher(content, store=store)
    assert not second.trained_now
    question = "varför flyttar ni från Kållered?"
    assert second.match(question) == first.match(question)


def test_a_content_change_never_uses_the_stale_model(
    tmp_content: MakeContent, tmp_path: Path
) -> None:
    directory = tmp_content()
    store = ModelStore(tmp_path / "cache")
    before = Matcher(load_content(directory), store=store)
    content = add_examples(directory, "offtopic:\n  sv: [hur funkar återvinningen]\n")
    forget_trained()
    after = Matcher(content, store=store)
    assert after.key != before.key
    assert after.trained_now


def test_a_changed_small_talk_phrase_trains_anew(content: Content) -> None:
    # small talk decides which sentences of an example are greetings, so it shapes the model
    talk = content.smalltalk[0]
    more = {**talk.questions, "sv": (*talk.questions["sv"], "tjenixen")}
    changed = replace(content, smalltalk=(replace(talk, questions=more), *content.smalltalk[1:]))
    assert Matcher(changed).key != Matcher(content).key


def test_every_stage_that_shapes_the_model_is_part_of_its_key() -> None:
    """A change to how examples are read or learned trains anew, bump or no bump: every module
    of bot/matching/ is in the key but those that only weigh, present or keep a trained model
    (verdict.py's thresholds apply to its probabilities, they do not change them)."""
    stages = {path.name for path in Path(learned.__file__).parent.glob("*.py")}
    assert stages - set(learned.ENGINE_MODULES) == {
        "__init__.py",
        "explain.py",
        "store.py",
        "verdict.py",
    }
    source = learned.engine_source()
    examples = learned.training_examples(load_content(CONTENT_DIR))
    key = learned.training_key(examples, ("a",), b"", source)
    assert learned.training_key(examples, ("a",), b"", source + b"#") != key


def test_a_broken_model_file_is_trained_anew(content: Content, tmp_path: Path) -> None:
    store = ModelStore(tmp_path / "cache")
    forget_trained()
    key = Matcher(content, store=store).key
    store.path(key).write_bytes(b"not a model")
    forget_trained()
    matcher = Matcher(content, store=store)
    assert matcher.trained_now
    assert matcher.match("vad står BID för?").topic == "what_bid"


def test_an_unwritable_cache_only_costs_time(content: Content, tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("a file where the directory should be", encoding="utf-8")
    forget_trained()
    matcher = Matcher(content, store=ModelStore(blocked / "cache"))
    assert matcher.trained_now
    assert matcher.match("vad står BID för?").topic == "what_bid"
