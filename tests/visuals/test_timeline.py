"""The timeline picture: what it shows, in which language, how it looks as a file, how fast."""

from __future__ import annotations

import dataclasses
import datetime as dt
import time

import pytest
from matplotlib.text import Text

from bot.config import DEFAULT_TIMEZONE as STOCKHOLM
from bot.content import Content, Milestone
from bot.content.texts import VISUALS, text_problems
from bot.domain import Lang
from bot.visuals.cache import RenderCache
from bot.visuals.png import MAX_CAPTION
from bot.visuals.timeline import (
    State,
    build_timeline_figure,
    render_timeline,
    timeline_caption,
    timeline_entries,
)
from tests.visuals.conftest import WINTER_2021, assert_sensible_png


def figure_texts(content: Content, lang: Lang, now: dt.datetime = WINTER_2021) -> list[str]:
    entries = timeline_entries(content.milestones, lang, now, content.texts)
    figure = build_timeline_figure(entries, "2021-01-15", content.texts, lang)
    return [t.get_text() for t in figure.findobj(Text) if t.get_text()]


def test_the_shipped_texts_have_every_string_the_pictures_need(real_content: Content) -> None:
    assert text_problems(real_content.texts, parts=(VISUALS,)) == []


def test_past_steps_are_done_the_first_coming_one_is_next(real_content: Content) -> None:
    entries = timeline_entries(real_content.milestones, "sv", WINTER_2021, real_content.texts)
    states = {e.milestone_id: e.state for e in entries}
    assert states == {
        "kallered-phase-out": State.DONE,
        "balltorp-agreements": State.DONE,
        "kallered-young-people": State.DONE,
        "balltorp-survey": State.NEXT,
        "balltorp-start": State.COMING,
    }
    # The article only gives seasons, so the picture says the season, never a made-up day.
    assert [e.when for e in entries][-2:] == ["våren 2021", "hösten 2021"]


def test_when_everything_is_past_nothing_is_highlighted(real_content: Content) -> None:
    later = dt.datetime(2026, 11, 26, tzinfo=STOCKHOLM)
    entries = timeline_entries(real_content.milestones, "en", later, real_content.texts)
    assert {e.state for e in entries} == {State.DONE}


def test_an_exact_date_with_a_time_is_shown_with_its_time(real_content: Content) -> None:
    meeting = Milestone(
        id="meeting",
        area="all",
        when=dt.datetime(2021, 5, 3, 18, 30, tzinfo=STOCKHOLM),
        title={"sv": "Möte", "en": "Meeting"},
    )
    (entry,) = timeline_entries([meeting], "sv", WINTER_2021, real_content.texts)
    assert entry.when == "2021-05-03 kl. 18:30"
    assert entry.area == "Båda områdena"


def test_swedish_and_english_pictures_carry_their_own_words(real_content: Content) -> None:
    swedish, english = figure_texts(real_content, "sv"), figure_texts(real_content, "en")
    joined_sv, joined_en = "\n".join(swedish), "\n".join(english)
    assert "NÄSTA" in swedish
    assert "NEXT" in english
    assert "våren 2021" in swedish
    assert "spring 2021" in english
    assert "Tidslinje" in joined_sv
    assert "Timeline" in joined_en
    # Titles are wrapped over lines; every word of each title is in the picture.
    for milestone in real_content.milestones:
        for word in milestone.title["sv"].split():
            assert word in joined_sv
        for word in milestone.title["en"].split():
            assert word in joined_en


async def test_the_png_is_phone_sized_and_renders_fast(real_content: Content) -> None:
    cache = RenderCache()
    # CPU time of this process (the render thread included): other processes on a busy CI
    # machine must not fail the test, a slow renderer must.
    start = time.process_time()
    picture = await render_timeline(
        real_content.milestones, "sv", WINTER_2021, real_content.texts, cache=cache
    )
    elapsed = time.process_time() - start
    assert_sensible_png(picture.png)
    assert elapsed < 1.0, f"rendering took {elapsed:.2f} s"


async def test_the_picture_is_cached_while_what_it_shows_is_unchanged(
    real_content: Content,
) -> None:
    cache = RenderCache()
    ms, texts = real_content.milestones, real_content.texts
    first = await render_timeline(ms, "sv", WINTER_2021, texts, cache=cache)
    later_that_day = WINTER_2021 + dt.timedelta(hours=3)
    again = await render_timeline(ms, "sv", later_that_day, texts, cache=cache)
    assert again.png == first.png
    assert (cache.misses, cache.hits) == (1, 1)
    # A new day, a new language, or a milestone passing each draw anew.
    await render_timeline(ms, "sv", WINTER_2021 + dt.timedelta(days=1), texts, cache=cache)
    english = await render_timeline(ms, "en", WINTER_2021, texts, cache=cache)
    assert english.png != first.png
    assert cache.misses == 3


def test_the_caption_says_what_the_picture_shows(real_content: Content) -> None:
    entries = timeline_entries(real_content.milestones, "sv", WINTER_2021, real_content.texts)
    caption = timeline_caption(entries, "2021-01-15", real_content.texts, "sv")
    assert len(caption) <= MAX_CAPTION
    assert "2021-01-15" in caption
    assert "Nästa: våren 2021 – En kartläggning görs i Balltorp. (Balltorp)" in caption
    assert caption.count("Passerat:") == 3
    for milestone in real_content.milestones:
        assert milestone.title["sv"] in caption


def test_a_long_timeline_keeps_its_caption_within_telegrams_limit(
    real_content: Content,
) -> None:
    base = real_content.milestones[0]
    many = [
        dataclasses.replace(base, id=f"m{n}", when=base.when + dt.timedelta(days=n))
        for n in range(40)
    ]
    entries = timeline_entries(many, "en", WINTER_2021, real_content.texts)
    caption = timeline_caption(entries, "2021-01-15", real_content.texts, "en")
    assert len(caption) <= MAX_CAPTION
    assert caption.endswith("…")


def test_a_naive_now_is_refused(real_content: Content) -> None:
    with pytest.raises(ValueError, match="aware"):
        timeline_entries(real_content.milestones, "sv", dt.datetime(2021, 1, 1), real_content.texts)
