"""The vote buttons' data: small, unguessable, and parsed strictly."""

from __future__ import annotations

import pytest

from bot.core.feedback import DOWN, UP, parse_vote, vote_data
from bot.domain import MAX_CALLBACK_DATA


def test_vote_data_fits_telegrams_limit_and_round_trips() -> None:
    for vote, value in ((UP, 1), (DOWN, -1)):
        data = vote_data("Ab-_0123456789xy", vote)
        assert len(data.encode()) <= MAX_CALLBACK_DATA
        assert parse_vote(data) == ("Ab-_0123456789xy", value)


@pytest.mark.parametrize(
    "data",
    [
        "",
        "fb:",
        "fb::u",
        "fb:short:u",
        "fb:" + "A" * 17 + ":u",
        "fb:AAAAAAAAAAAA:x",
        "fb:AAAAAAAAAAAA",
        "fb:AAAA AAAAAAA:u",
        "fb:AAAAAAAAÅAAA:u",
        "faq:AAAAAAAAAAAA:u",
        "fb:AAAAAAAAAAAA:u:u",
    ],
)
def test_malformed_vote_data_is_refused(data: str) -> None:
    assert parse_vote(data) is None
