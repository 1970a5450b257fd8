"""Hostile input through the real application and the emulator: nothing is ever sent with a
parse mode, so a resident's markup arrives as the characters they typed, never as formatting."""

from __future__ import annotations

from pathlib import Path

from tests.reliability.conftest import bot_settings, running_app
from tests.reliability.hostile import FRAGMENTS, PREFIXES, fill_utf16
from tests.reliability.results import Results
from tools.emulator import BotApiEmulator

MESSAGES_PER_RESIDENT = 12  # under the flood limit of 20 a minute
FORMATTING = {"bold", "italic", "underline", "strikethrough", "spoiler", "code", "pre", "text_link"}


def hostile_messages() -> list[str]:
    """The fragments alone and combined, commands with junk, and 4,096-unit walls."""
    messages = list(FRAGMENTS)
    messages += [f"{a} {b}" for a, b in zip(FRAGMENTS, reversed(FRAGMENTS), strict=True)]
    messages += [f"/ask {fragment}" for fragment in FRAGMENTS[:6]]
    messages += ["/subscribe <b>all</b>", "/language '; DROP", "/sprak \u202een", "/ /// /@"]
    messages += [fill_utf16(fragment, 4096) for fragment in FRAGMENTS[::4]]
    return messages


async def test_hostile_messages_and_forged_presses_through_the_real_bot(
    tmp_path: Path, emulator: BotApiEmulator, results: Results
) -> None:
    messages = hostile_messages()
    chunks = [
        messages[i : i + MESSAGES_PER_RESIDENT]
        for i in range(0, len(messages), MESSAGES_PER_RESIDENT)
    ]
    residents = [emulator.user(8_100_000 + n, language_code="sv") for n in range(len(chunks))]
    presses = 0
    # A storm of forged presses: dozens a second in one chat, each answered. Telegram would pace
    # those answers at one a second, and the bot honours that (tests/reliability/
    # test_send_budget.py); this test is about what is sent, not when, so the per-chat limit
    # is off here. The overall and group limits stay on.
    emulator.set_rate_limits(per_chat_per_second=None)
    async with running_app(bot_settings(emulator, f"sqlite:///{tmp_path / 'bot.db'}")):
        for resident, chunk in zip(residents, chunks, strict=True):
            for text in chunk:
                before = emulator.count_messages(resident.id)
                await emulator.send_text(resident, text)
                await emulator.wait_for_messages(resident.id, before + 1, timeout=10)
                await emulator.wait_for_updates_confirmed(timeout=10)
            last = emulator.last_message(resident.id)
            for prefix in PREFIXES:
                for junk in ("", "<b>x</b>", "999999", "../../etc", "\u202e"):
                    query = await emulator.send_callback(
                        resident, resident.id, last.message_id, prefix + junk
                    )
                    await emulator.wait_for_callback_answer(query, timeout=10)
                    presses += 1
            await emulator.wait_for_updates_confirmed(timeout=10)
        # Still answering normally after all of it.
        (reply,) = await emulator.send_and_wait(residents[0], "/help", timeout=10)
        assert reply.text

    sent = [m for resident in residents for m in emulator.messages(resident.id)]
    assert sent
    assert all(not m.parse_mode for m in sent), "something was sent with a parse mode"
    # Text the resident typed as markup comes back (if at all) as the same characters.
    formatted = [m for m in sent if any(e.get("type") in FORMATTING for e in m.entities)]
    assert not formatted, "a message was rendered with formatting"
    # /ask quotes the question back for confirmation: the tags arrive as typed characters.
    quoted = [m.text for m in sent if "fet" in m.text]
    assert quoted
    assert all("<b>fet</b>" in text for text in quoted)
    results.record(
        "hostile_input",
        "through_the_real_bot",
        {
            "messages": len(messages),
            "forged_presses": presses,
            "bot_messages": len(sent),
            "sent_with_parse_mode": 0,
            "rendered_as_markup": 0,
        },
    )
