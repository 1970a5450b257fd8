"""Regression: replies are measured as Telegram measures them, in UTF-16 code units.

Before, a reply was cut at 4,096 characters (code points): /mydata listing questions full of
emoji, or an "Ask the staff" confirmation quoting a long question, could be twice Telegram's
limit and was refused with "message is too long".
"""

from __future__ import annotations

from bot.domain import MAX_TEXT, Reply, chunk_lines, split_at_length, telegram_length
from tools.emulator import utf16_len

EMOJI = "\U0001f600"  # two UTF-16 units


def test_a_reply_of_emoji_is_cut_to_telegrams_limit_without_halving_one() -> None:
    reply = Reply(EMOJI * 3000)
    assert utf16_len(reply.text) <= MAX_TEXT
    assert reply.text.endswith("…")
    assert reply.text[:-1] == EMOJI * ((MAX_TEXT - 1) // 2)


def test_a_reply_at_the_limit_is_kept_whole() -> None:
    text = "a" * (MAX_TEXT - 2) + EMOJI
    assert Reply(text).text == text


def test_mydata_chunks_of_emoji_questions_each_fit_one_message() -> None:
    lines = [EMOJI * 1000 for _ in range(6)] + ["x" * 5000]
    chunks = chunk_lines(lines)
    assert all(utf16_len(chunk) <= MAX_TEXT for chunk in chunks)
    assert "".join(chunks).replace("\n", "") == "".join(lines)


def test_split_at_length_counts_units() -> None:
    assert split_at_length("a" + EMOJI + "b", 2) == ("a", EMOJI + "b")
    assert split_at_length("a" + EMOJI + "b", 3) == ("a" + EMOJI, "b")
    assert telegram_length("å" + EMOJI) == 3
