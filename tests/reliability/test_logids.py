"""Chat pseudonyms in logs: stable within a run, different per chat, never the id itself."""

from __future__ import annotations

from bot.logids import chat_pseudonym


def test_a_pseudonym_is_stable_distinct_and_hides_the_id() -> None:
    chat = 7_654_321_987
    assert chat_pseudonym(chat) == chat_pseudonym(chat)
    assert chat_pseudonym(chat) != chat_pseudonym(chat + 1)
    assert str(chat) not in chat_pseudonym(chat)
    assert chat_pseudonym(None) == "chat#-"


def test_without_the_key_the_pseudonym_cannot_be_recomputed() -> None:
    chat = 7_654_321_987
    assert chat_pseudonym(chat, key=b"another deployment") != chat_pseudonym(chat)
