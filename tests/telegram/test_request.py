"""The aiohttp Bot API backend: PTB's calls, PTB's errors, and never the token in a message."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from telegram import Bot
from telegram.error import NetworkError, TimedOut

from bot.telegram.loop import new_event_loop
from bot.telegram.request import AiohttpRequest, redacted
from tools.emulator import BotApiEmulator, running_emulator

TOKEN = "777000777:AAE-request-test_secret-part"


@pytest.fixture
async def emulator() -> AsyncIterator[BotApiEmulator]:
    async with running_emulator(TOKEN) as emulator:
        yield emulator


@pytest.fixture
async def request_() -> AsyncIterator[AiohttpRequest]:
    request = AiohttpRequest(connections=4)
    await request.initialize()
    yield request
    await request.shutdown()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_a_bot_sends_text_and_files_through_it(emulator: BotApiEmulator) -> None:
    bot = Bot(TOKEN, base_url=emulator.base_url, request=AiohttpRequest(4))
    async with bot:
        await bot.send_message(42, "Hej <b>Balltorp</b> & Kållered")
        await bot.send_document(42, b"BEGIN:VCALENDAR", filename="steg.ics")
    text, document = emulator.messages(42)
    assert text.text == "Hej <b>Balltorp</b> & Kållered"
    assert text.parse_mode is None
    assert document.document is not None
    assert document.document.content == b"BEGIN:VCALENDAR"
    assert document.document.filename == "steg.ics"


async def test_a_refused_connection_is_a_network_error_without_the_token(
    request_: AiohttpRequest,
) -> None:
    url = f"http://127.0.0.1:{_free_port()}/bot{TOKEN}/getMe"
    with pytest.raises(NetworkError) as raised:
        await request_.post(url)
    assert TOKEN not in str(raised.value)
    assert TOKEN.partition(":")[2] not in str(raised.value)


async def test_an_answer_slower_than_the_read_timeout_is_timed_out(
    request_: AiohttpRequest,
) -> None:
    never = asyncio.Event()

    async def hang(_: web.Request) -> web.Response:
        await never.wait()
        return web.json_response({"ok": True, "result": True})

    app = web.Application()
    app.router.add_post("/bot{token}/getMe", hang)
    runner = web.AppRunner(app)
    await runner.setup()
    port = _free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        with pytest.raises(TimedOut):
            await request_.post(f"http://127.0.0.1:{port}/bot{TOKEN}/getMe", read_timeout=0.2)
    finally:
        never.set()
        await runner.cleanup()


def test_redacted_hides_the_token_in_api_and_file_urls() -> None:
    assert redacted(f"https://api.telegram.org/bot{TOKEN}/sendMessage") == (
        "https://api.telegram.org/bot***/sendMessage"
    )
    assert redacted(f"https://api.telegram.org/file/bot{TOKEN}/photos/1.jpg") == (
        "https://api.telegram.org/file/bot***/photos/1.jpg"
    )


def test_the_bot_runs_on_uvloop_where_it_is_installed() -> None:
    uvloop = pytest.importorskip("uvloop")
    loop = new_event_loop()
    try:
        assert isinstance(loop, uvloop.Loop)
    finally:
        loop.close()


async def test_an_outbound_proxy_from_the_environment_is_used(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[str] = []

    async def proxy(request: web.Request) -> web.Response:
        seen.append(f"{request.host}{request.path}")
        return web.json_response({"ok": True, "result": True})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", proxy)
    runner = web.AppRunner(app)
    await runner.setup()
    port = _free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{port}")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    url = f"http://bot-api.invalid/bot{TOKEN}/getMe"
    request = AiohttpRequest()
    await request.initialize()
    try:
        assert await request.post(url) is True
        assert seen == [f"bot-api.invalid/bot{TOKEN}/getMe"]
        # NO_PROXY names the host: straight there (it does not exist, so that fails).
        monkeypatch.setenv("NO_PROXY", "bot-api.invalid")
        direct = AiohttpRequest()
        await direct.initialize()
        try:
            with pytest.raises(NetworkError):
                await direct.post(url)
        finally:
            await direct.shutdown()
        assert len(seen) == 1
    finally:
        await request.shutdown()
        await runner.cleanup()
