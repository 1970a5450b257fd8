"""Staff charts: the numbers summarised by Stockholm day, drawn per language, read from storage."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from matplotlib.text import Text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import DEFAULT_TIMEZONE as STOCKHOLM
from bot.content import Content
from bot.domain import Lang
from bot.storage import questions as question_store
from bot.storage import residents as resident_store
from bot.visuals.cache import RenderCache
from bot.visuals.charts import build_stats_figure, render_stats, stats_caption
from bot.visuals.png import MAX_CAPTION
from bot.visuals.report import topic_titles
from bot.visuals.stats import StaffStats, collect_stats, summarize
from tests.visuals.conftest import assert_sensible_png

NOW = dt.datetime(2021, 3, 20, 15, 0, tzinfo=STOCKHOLM)
UTC = dt.UTC


def sample_stats(content: Content) -> StaffStats:
    starts = [
        ("balltorp", dt.datetime(2021, 3, 1, 10, tzinfo=UTC)),
        ("balltorp", dt.datetime(2021, 3, 10, 10, tzinfo=UTC)),
        ("kallered", dt.datetime(2021, 3, 10, 11, tzinfo=UTC)),
    ]
    asked = [
        (dt.datetime(2021, 3, 19, 9, tzinfo=UTC), True),
        (dt.datetime(2021, 3, 19, 10, tzinfo=UTC), False),
        (dt.datetime(2021, 3, 20, 9, tzinfo=UTC), True),
    ]
    topic = content.faq[0].id
    return summarize(starts, asked, [(topic, 2)], now=NOW, days=7)


def words(figure_texts: list[str]) -> str:
    return "\n".join(figure_texts)


def chart_texts(stats: StaffStats, content: Content, lang: Lang) -> list[str]:
    figure = build_stats_figure(stats, content.texts, lang, topic_titles(content, lang))
    return [t.get_text() for t in figure.findobj(Text) if t.get_text()]


def test_subscribers_accumulate_per_area_by_stockholm_day() -> None:
    # 23:30 UTC on 9 March is already 10 March in Stockholm.
    starts = [
        ("balltorp", dt.datetime(2021, 3, 9, 23, 30, tzinfo=UTC)),
        ("balltorp", dt.datetime(2021, 3, 12, 8, tzinfo=UTC)),
        ("kallered", dt.datetime(2021, 3, 12, 8, tzinfo=UTC)),
    ]
    stats = summarize(starts, [], [], now=NOW, days=14)
    series = {s.area: dict(s.points) for s in stats.subscribers}
    assert series["balltorp"][dt.date(2021, 3, 9)] == 0
    assert series["balltorp"][dt.date(2021, 3, 10)] == 1
    assert series["balltorp"][dt.date(2021, 3, 20)] == 2
    assert series["kallered"][dt.date(2021, 3, 11)] == 0
    assert [s.current for s in stats.subscribers] == [2, 1]


def test_questions_per_day_cover_the_whole_window_with_the_share_answered() -> None:
    asked = [
        (dt.datetime(2021, 3, 19, 23, 30, tzinfo=UTC), True),  # 20 March in Stockholm (CET)
        (dt.datetime(2021, 3, 20, 9, tzinfo=UTC), False),
        (dt.datetime(2021, 3, 18, 9, tzinfo=UTC), True),
    ]
    stats = summarize([], asked, [], now=NOW, days=3)
    assert [(d.day.day, d.total, d.answered) for d in stats.questions] == [
        (18, 1, 1),
        (19, 0, 0),
        (20, 2, 1),
    ]
    assert stats.total_questions == 3
    assert stats.share_answered == pytest.approx(2 / 3)
    assert stats.busiest_day is not None
    assert stats.busiest_day.day == dt.date(2021, 3, 20)


def test_swedish_and_english_charts_carry_their_own_words(real_content: Content) -> None:
    stats = sample_stats(real_content)
    swedish = words(chart_texts(stats, real_content, "sv"))
    english = words(chart_texts(stats, real_content, "en"))
    assert "Prenumeranter per område" in swedish
    assert "Subscribers per area" in english
    assert "Balltorp: 2" in swedish
    assert "Kållered: 1" in english
    assert "Besvarade" in swedish
    assert "Share answered" in english
    assert real_content.faq[0].title["sv"] in swedish
    assert real_content.faq[0].title["en"] in english


def test_no_data_yet_is_said_not_drawn_as_an_empty_axis(real_content: Content) -> None:
    empty = summarize([], [], [], now=NOW)
    texts = chart_texts(empty, real_content, "sv")
    assert texts.count("Inga data ännu") == 3


async def test_the_chart_png_is_sensible_and_fast(real_content: Content) -> None:
    stats = sample_stats(real_content)
    # CPU time of this process (the render thread included): other processes on a busy CI
    # machine must not fail the test, a slow renderer must.
    start = time.process_time()
    picture = await render_stats(
        stats, "sv", real_content.texts, topic_titles(real_content, "sv"), cache=RenderCache()
    )
    elapsed = time.process_time() - start
    assert_sensible_png(picture.png)
    assert elapsed < 1.0, f"rendering took {elapsed:.2f} s"


async def test_the_chart_is_cached_until_a_number_changes(real_content: Content) -> None:
    cache = RenderCache()
    titles = topic_titles(real_content, "en")
    stats = sample_stats(real_content)
    first = await render_stats(stats, "en", real_content.texts, titles, cache=cache)
    again = await render_stats(stats, "en", real_content.texts, titles, cache=cache)
    assert again.png == first.png
    assert cache.hits == 1
    one_more = summarize(
        [("kallered", dt.datetime(2021, 3, 20, 8, tzinfo=UTC))], [], [], now=NOW, days=7
    )
    await render_stats(one_more, "en", real_content.texts, titles, cache=cache)
    assert cache.misses == 2


def test_the_caption_carries_the_same_numbers(real_content: Content) -> None:
    stats = sample_stats(real_content)
    caption = stats_caption(stats, real_content.texts, "en", topic_titles(real_content, "en"))
    assert len(caption) <= MAX_CAPTION
    assert "Balltorp 2, Kållered 1" in caption
    assert "3, of which 2 answered (67 %)" in caption
    assert f"{real_content.faq[0].title['en']} (2)" in caption
    assert "2 (2021-03-19)" in caption


async def test_collect_stats_reads_subscriptions_and_questions(
    sessions: async_sessionmaker[AsyncSession], real_content: Content
) -> None:
    early = dt.datetime(2021, 3, 5, 12, tzinfo=UTC)
    async with sessions.begin() as session:
        for chat_id, area in ((1, "balltorp"), (2, "balltorp"), (3, "kallered")):
            await resident_store.get_or_create_resident(session, chat_id, "sv", now=early)
            await resident_store.subscribe(session, chat_id, [area], now=early)
        await resident_store.get_or_create_resident(session, 4, "en", now=early)
        await resident_store.subscribe(session, 4, ["all"], now=NOW - dt.timedelta(days=1))
        await resident_store.deactivate_subscriptions(session, 3)  # blocked the bot
        topic = real_content.faq[0].id
        for hours, answered in ((1, True), (2, True), (30, False)):
            await question_store.log_question(
                session,
                1,
                "fråga",
                "sv",
                topic=topic if answered else None,
                score=1.0 if answered else 0.1,
                answered=answered,
                now=NOW - dt.timedelta(hours=hours),
            )
        await question_store.log_question(  # outside the window
            session,
            2,
            "gammal",
            "sv",
            topic=topic,
            score=1.0,
            answered=True,
            now=NOW - dt.timedelta(days=40),
        )
    stats = await collect_stats(sessions, NOW, days=7)
    assert {s.area: s.current for s in stats.subscribers} == {"balltorp": 3, "kallered": 1}
    balltorp = next(s for s in stats.subscribers if s.area == "balltorp")
    assert dict(balltorp.points)[dt.date(2021, 3, 18)] == 2
    assert (stats.total_questions, stats.answered_questions) == (3, 2)
    assert stats.top_topics == ((topic, 2),)
    assert [d.total for d in stats.questions][-2:] == [1, 2]
