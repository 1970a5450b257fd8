"""The HTML report: self-contained, escaped, written by `omradesbot report`, shown by Chromium."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import DEFAULT_TIMEZONE as STOCKHOLM
from bot.content import Content
from bot.domain import Lang
from bot.storage import residents as resident_store
from bot.storage.engine import create_engine, session_factory
from bot.storage.migrate import upgrade
from bot.visuals.cache import RenderCache
from bot.visuals.charts import render_stats
from bot.visuals.report import build_report_html, topic_titles
from bot.visuals.stats import StaffStats, summarize
from tests.visuals.conftest import ROOT, assert_sensible_png

NOW = dt.datetime(2021, 3, 20, 15, 0, tzinfo=STOCKHOLM)
CHROMIUM = "/usr/bin/chromium"
REQUIRE_CHROMIUM = "OMRADESBOT_REQUIRE_CHROMIUM"
DATA_URI_RE = re.compile(
    r'<img class="chart" id="chart" src="data:image/png;base64,([A-Za-z0-9+/=]+)"'
)
HOSTILE = '<script>alert("x")</script>'


def stats_with_a_hostile_topic(content: Content) -> StaffStats:
    starts = [("balltorp", NOW - dt.timedelta(days=3)), ("kallered", NOW - dt.timedelta(days=1))]
    asked = [(NOW - dt.timedelta(hours=h), h % 2 == 0) for h in range(1, 8)]
    # A topic the FAQ no longer has is shown by its id, which must still be escaped.
    return summarize(starts, asked, [(content.faq[0].id, 4), (HOSTILE, 1)], now=NOW, days=7)


async def report_page(content: Content, lang: Lang = "sv") -> str:
    stats = stats_with_a_hostile_topic(content)
    titles = topic_titles(content, lang)
    picture = await render_stats(stats, lang, content.texts, titles, cache=RenderCache())
    return build_report_html(stats, picture, content.texts, lang, titles, generated_at=NOW)


async def test_the_page_embeds_the_chart_and_lists_the_figures(real_content: Content) -> None:
    page = await report_page(real_content)
    (encoded,) = DATA_URI_RE.findall(page)
    assert_sensible_png(base64.b64decode(encoded))
    assert '<html lang="sv">' in page
    assert "Områdesboten – statistik för personalen" in page
    assert "<td>Balltorp</td><td class=number>1</td>" in page
    assert "<td>2021-03-20</td><td class=number>7</td><td class=number>3</td>" in page
    assert f"<td>{real_content.faq[0].title['sv']}</td><td class=number>4</td>" in page
    # Nothing is fetched from elsewhere: no external source, stylesheet or script.
    assert not re.search(r'(src|href)="(?!data:)', page)
    assert "<script" not in page


async def test_everything_from_data_is_escaped(real_content: Content) -> None:
    page = await report_page(real_content, "en")
    assert HOSTILE not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page


def test_omradesbot_report_writes_the_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "bot.db"

    async def seed() -> None:
        engine = create_engine(f"sqlite:///{db}")
        await upgrade(engine)
        async with session_factory(engine).begin() as session:
            await resident_store.get_or_create_resident(session, 11, "sv")
            await resident_store.subscribe(session, 11, ["balltorp"])
        await engine.dispose()

    asyncio.run(seed())
    monkeypatch.setenv("OMRADESBOT_DATABASE_URL", f"sqlite:///{db}")
    monkeypatch.setenv("OMRADESBOT_CONTENT_DIR", str(ROOT / "content"))
    out = tmp_path / "out" / "report.html"
    assert main(["report", "--out", str(out), "--lang", "en", "--days", "14"]) == 0
    assert str(out) in capsys.readouterr().out
    page = out.read_text(encoding="utf-8")
    assert "Områdesboten – statistics for staff" in page
    assert "Questions per day, last 14 days" in page
    assert "<td>Balltorp</td><td class=number>1</td>" in page
    assert len(DATA_URI_RE.findall(page)) == 1


def test_omradesbot_report_refuses_a_bad_window(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", "--out", str(tmp_path / "r.html"), "--days", "0"]) == 2
    assert "--days" in capsys.readouterr().err


def test_omradesbot_report_needs_a_page_or_a_csv_directory(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["report"]) == 2
    assert "--out FILE, --csv DIR or both" in capsys.readouterr().err


def test_omradesbot_report_csv_alone_on_an_empty_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OMRADESBOT_DATABASE_URL", f"sqlite:///{tmp_path / 'bot.db'}")
    monkeypatch.setenv("OMRADESBOT_CONTENT_DIR", str(ROOT / "content"))
    assert main(["report", "--csv", str(tmp_path / "csv"), "--days", "7"]) == 0
    assert "days.csv" in capsys.readouterr().out
    days = (tmp_path / "csv" / "days.csv").read_text(encoding="utf-8").splitlines()
    assert days[0] == ("date,questions,answered,answered_share,answers,up,down,helpful_share")
    assert len(days) == 1 + 7
    assert days[-1].endswith(",0,0,,0,0,0,")  # nothing to divide: empty shares, not 0
    topics = (tmp_path / "csv" / "topics.csv").read_text(encoding="utf-8").splitlines()
    assert topics == [
        "first_date,last_date,topic,title,given,direct,after_did_you_mean,from_menu,up,down,"
        "helpful_share"
    ]
    assert list(tmp_path.glob("*.html")) == []


def chromium_or_skip() -> str:
    found = CHROMIUM if os.access(CHROMIUM, os.X_OK) else shutil.which("chromium")
    if found is None:
        if os.environ.get(REQUIRE_CHROMIUM):
            pytest.fail(f"{REQUIRE_CHROMIUM} is set but chromium is not installed")
        pytest.skip(
            "headless Chromium not installed (apt-get install -y chromium); "
            f"set {REQUIRE_CHROMIUM}=1 to make this a failure"
        )
    return found


async def test_chromium_shows_the_chart_and_the_figures(
    real_content: Content, tmp_path: Path
) -> None:
    chromium = chromium_or_skip()
    page = await report_page(real_content)
    # For the test only: after load, write what the browser decoded onto <body>.
    probe = (
        "<script>addEventListener('load', () => { const c = document.getElementById('chart');"
        " document.body.dataset.chartWidth = c.naturalWidth;"
        " document.body.dataset.chartHeight = c.naturalHeight; });</script></body>"
    )
    html = tmp_path / "report.html"
    html.write_text(page.replace("</body>", probe), encoding="utf-8")
    profile = tmp_path / "profile"
    profile.mkdir()
    result = await asyncio.to_thread(
        subprocess.run,
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            "--dump-dom",
            html.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    dom = result.stdout
    body = re.search(r"<body[^>]*>", dom)
    assert body is not None
    assert 'data-chart-width="1080"' in body.group(0)  # the PNG was decoded at full size
    assert 'data-chart-height="1900"' in body.group(0)
    assert '<td>Kållered</td><td class="number">1</td>' in dom
    assert f'{real_content.faq[0].title["sv"]}</td><td class="number">4</td>' in dom
