"""Hypothesis strategies for what a hostile or careless town can type, and reply checks."""

from __future__ import annotations

from hypothesis import strategies as st

from bot.domain import MAX_CALLBACK_DATA, MAX_TEXT, Reply
from tools.emulator import utf16_len

# Text that means something to a database, a browser, Telegram's parsers or a terminal.
FRAGMENTS = (
    "'; DROP TABLE residents; --",
    '" OR 1=1 --',
    "1; DELETE FROM questions",
    "%' UNION SELECT chat_id FROM residents --",
    "<b>fet</b>",
    '<a href="tg://user?id=1">klicka</a>',
    "<script>alert(1)</script>",
    "&lt;&amp;&gt;&#x41;",
    "*fet* _kursiv_ `kod` [länk](http://example.invalid) ||spoiler||",
    "```\nkod\n```",
    "\u202eרסט ימינה\u202c",
    "\u200f\u200e\u200b\u2060\ufeff",
    "مرحبا كيف حالك",
    "🏳️‍🌈👩🏽‍💻🇸🇪",
    "\U0001f600" * 3,
    "\x00\x07\x1b[31m\r\n\t",
    "{question}{0}%s%d{{}}",
    "@omradesbot",
    "/start@omradesbot",
    "Kållered Balltorp alla all",
    "när flyttar områdesarbetet?",
)

_any_char = st.characters(exclude_categories=("Cs",))

texts = st.one_of(
    st.text(_any_char, max_size=120),
    st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=6).map(" ".join),
    st.tuples(st.text(_any_char, max_size=40), st.sampled_from(FRAGMENTS)).map("".join),
)

# Walls of exactly Telegram's maximum, counted the way Telegram counts (UTF-16 code units).
walls = st.tuples(st.text(_any_char, min_size=1, max_size=8), st.sampled_from(FRAGMENTS)).map(
    lambda parts: fill_utf16((parts[0] + parts[1]) or "x", MAX_TEXT)
)

# Arguments after a command: words, fragments, dates, numbers, nothing.
arguments = st.one_of(
    texts,
    st.just(""),
    st.from_regex(r"\A-?\d{1,25}( .{0,30})?\Z"),
    st.from_regex(r"\A\d{4}-\d{1,2}-\d{1,2}( \d{1,2}:\d{1,2})?( \w{0,10})?( .{0,20})?\Z"),
    st.sampled_from(["balltorp", "kallered", "all", "Kållered", "ALLA", "sv", "en", "klingon"]),
    st.lists(
        st.sampled_from(["add", "move", "remove", "balltorp", "2031-02-30", "25:61", "x"])
    ).map(" ".join),
)

# Callback data a client could forge: real prefixes with junk, and junk.
PREFIXES = (
    "faq:",
    "menu:",
    "sub:",
    "unsub:",
    "lang:",
    "forget:",
    "ticket:",
    "ticket:send:",
    "staff:send:",
    "staff:drop:",
    "ics:",
    "",
)
callback_data = st.tuples(st.sampled_from(PREFIXES), st.text(_any_char, max_size=70)).map("".join)


def fill_utf16(seed: str, limit: int) -> str:
    """`seed` repeated up to exactly `limit` UTF-16 units (or one short, to keep a pair whole)."""
    out: list[str] = []
    used = 0
    while True:
        for char in seed:
            width = utf16_len(char)
            if used + width > limit:
                return "".join(out)
            out.append(char)
            used += width


def assert_valid_for_telegram(reply: Reply) -> None:
    """What Telegram would refuse: too long (UTF-16), empty, or bad buttons."""
    assert reply.text.strip(), "an empty message"
    assert utf16_len(reply.text) <= MAX_TEXT, f"{utf16_len(reply.text)} UTF-16 units"
    for row in reply.buttons:
        for button in row:
            assert button.label.strip()
            assert 1 <= len(button.data.encode()) <= MAX_CALLBACK_DATA
