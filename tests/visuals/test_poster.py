"""The printable poster, read back independently: one A4 page, its QR code, its words."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import AREA_CHOICES, main
from bot.content import Content
from bot.core.deeplinks import DeepLink, link_url
from bot.domain import AREAS, LANGUAGES, Area, Lang
from bot.visuals.cache import RenderCache
from bot.visuals.poster import lix, poster_bytes, poster_words, render_poster
from tests.visuals.poster_reading import A4_POINTS, one_line, read_pdf, read_png

ROOT = Path(__file__).resolve().parents[2]


def _poster(content: Content, link: DeepLink, lang: Lang, fmt: str = "pdf") -> bytes:
    url = link_url("omradesbot", link)
    return poster_bytes(url, poster_words(content.texts, lang, link.area), fmt)  # type: ignore[arg-type]


def test_the_pdf_is_one_a4_page_whose_code_opens_the_deep_link(real_content: Content) -> None:
    poster = read_pdf(_poster(real_content, DeepLink("balltorp", "sv"), "sv"))

    assert poster.pages == 1
    assert poster.size_points == pytest.approx(A4_POINTS, abs=0.5)
    assert poster.codes == ("https://t.me/omradesbot?start=balltorp-sv",)
    (width,) = poster.code_widths_cm
    assert width > 8.0  # large: it scans from a step or two away on a notice board


def test_the_campaign_is_in_the_code_and_in_the_printed_link(real_content: Content) -> None:
    poster = read_pdf(_poster(real_content, DeepLink("kallered", "en", "bibliotek2"), "en"))

    assert poster.codes == ("https://t.me/omradesbot?start=kallered-en-bibliotek2",)
    assert "https://t.me/omradesbot?start=kallered-en-bibliotek2" in poster.text


def test_the_page_says_what_the_bot_is_what_it_stores_and_the_link(real_content: Content) -> None:
    texts = real_content.texts
    poster = read_pdf(_poster(real_content, DeepLink("kallered", "sv", "trapphus"), "sv"))
    text = one_line(poster.text)

    assert one_line(texts.get("poster_title", "sv")) in text
    assert "Du kan få nyheter om Kållered i Telegram." in text  # å ä ö come through as text
    privacy = texts.get("poster_privacy", "sv")
    assert one_line(privacy) in text
    assert "/glom" in privacy
    assert "chatt-id" in privacy
    assert "https://t.me/omradesbot?start=kallered-sv-trapphus" in text


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("area", AREAS)
def test_the_message_is_plain_language(real_content: Content, area: Area, lang: Lang) -> None:
    words = poster_words(real_content.texts, lang, area)

    assert len(words.lines) == 3
    assert lix(words.message) <= 40, words.message


def test_lix_tells_plain_from_heavy_prose() -> None:
    assert lix("Jag bor här. Du bor där.") < 20
    heavy = (
        "Kultur- och fritidsnämnden beslutade att områdesarbetet successivt avvecklas i "
        "Kållered och att motsvarande verksamhet etableras i Balltorp under nästkommande år."
    )
    assert lix(heavy) > 40


def test_the_png_preview_is_a4_shaped_and_scans(real_content: Content) -> None:
    (width, height), codes = read_png(_poster(real_content, DeepLink("all", "sv"), "sv", "png"))

    assert (width, height) == (1240, 1753)  # 210 x 297 mm at 150 dpi
    assert codes == ("https://t.me/omradesbot?start=all-sv",)


async def test_the_bot_draws_each_poster_once(real_content: Content) -> None:
    cache = RenderCache()
    url = link_url("omradesbot", DeepLink("balltorp", "sv"))
    words = poster_words(real_content.texts, "sv", "balltorp")

    first = await render_poster(url, words, "pdf", cache=cache)
    again = await render_poster(url, words, "pdf", cache=cache)

    assert first == again
    assert (cache.misses, cache.hits) == (1, 1)


# --- omradesbot poster ---------------------------------------------------------------------------


def test_omradesbot_poster_writes_the_pdf(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    out = tmp_path / "affischer" / "balltorp.pdf"

    status = main(
        [
            "poster",
            "--content",
            str(ROOT / "content"),
            "--area",
            "balltorp",
            "--lang",
            "sv",
            "--campaign",
            "Trapphus",
            "--bot-username",
            "@OmradesBot",
            "--out",
            str(out),
        ]
    )

    assert status == 0
    link = "https://t.me/OmradesBot?start=balltorp-sv-trapphus"
    assert link in capsys.readouterr().out
    poster = read_pdf(out.read_bytes())
    assert poster.codes == (link,)
    assert poster.pages == 1


def test_omradesbot_poster_writes_a_png_preview(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    out = tmp_path / "preview.png"

    args = ["poster", "--area", "kallered", "--bot-username", "omradesbot", "--out", str(out)]
    assert main([*args, "--content", str(ROOT / "content")]) == 0

    assert read_png(out.read_bytes())[1] == ("https://t.me/omradesbot?start=kallered-sv",)


def test_without_a_username_or_token_the_error_names_the_option(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    out = tmp_path / "poster.pdf"

    status = main(["poster", "--area", "balltorp", "--out", str(out)])

    assert status == 2
    error = capsys.readouterr().err
    assert "--bot-username" in error
    assert "TELEGRAM_BOT_TOKEN" in error
    assert not out.exists()


@pytest.mark.parametrize(
    ("options", "named"),
    [
        (["--campaign", "trapp-hus"], "campaign"),
        (["--campaign", "x" * 33], "campaign"),
        (["--bot-username", "a b"], "username"),
        (["--out", "poster.jpg"], ".pdf"),
    ],
)
def test_bad_options_are_refused_with_a_reason(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    options: list[str],
    named: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    base = {"--bot-username": "omradesbot", "--out": "poster.pdf"}
    given = dict(zip(options[::2], options[1::2], strict=True))
    argv = ["poster", "--area", "balltorp"]
    for option, value in {**base, **given}.items():
        argv += [option, value]

    assert main(argv) == 2
    assert named in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


def test_the_commands_area_choices_are_the_areas() -> None:
    assert AREA_CHOICES == AREAS
