"""Webhook mode: Telegram's POSTs answered, forged ones refused, probes served on the same port."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import AsyncIterator

import aiohttp
import pytest

from bot.bootstrap import build_services
from bot.config import Secret, Settings
from bot.telegram.app import build_application
from bot.telegram.webhook import serve_webhook
from tests.e2e.conftest import Resident
from tests.e2e.webhook_support import (
    PUBLIC_URL,
    SECRET,
    free_port,
    get_json,
    post_update,
    take_updates,
)
from tools.emulator import BotApiEmulator


@dataclasses.dataclass
class WebhookBot:
    port: int
    http: aiohttp.ClientSession


@pytest.fixture
async def webhook_bot(emulator: BotApiEmulator, settings: Settings) -> AsyncIterator[WebhookBot]:
    """The real application in webhook mode on a free port, until the test ends."""
    port = free_port()
    settings = dataclasses.replace(
        settings,
        webhook_url=PUBLIC_URL,
        webhook_secret=Secret(SECRET),
        listen_port=port,
    )
    application = build_application(build_services(settings), polling=False)
    stop = asyncio.Event()
    server = asyncio.create_task(serve_webhook(application, stop))
    async with aiohttp.ClientSession() as http:
        # Ready once Telegram (the emulator) has been told where to send updates.
        await emulator.wait_until(lambda: emulator.webhook.url == PUBLIC_URL, timeout=10)
        try:
            yield WebhookBot(port, http)
        finally:
            stop.set()
            await server


async def test_start_up_retries_a_dropped_get_me_and_a_failing_set_webhook(
    emulator: BotApiEmulator, settings: Settings
) -> None:
    # A hiccup of the network or of Telegram while the process starts (a deploy behind a load
    # balancer) costs a retry, not the process.
    emulator.script_faults("drop", count=1, methods=["getMe"])
    emulator.script_faults("502", count=1, methods=["setWebhook"])
    port = free_port()
    settings = dataclasses.replace(
        settings, webhook_url=PUBLIC_URL, webhook_secret=Secret(SECRET), listen_port=port
    )
    application = build_application(build_services(settings), polling=False)
    stop = asyncio.Event()
    server = asyncio.create_task(serve_webhook(application, stop))
    try:
        await emulator.wait_until(lambda: emulator.webhook.url == PUBLIC_URL, timeout=15)
        resident = Resident(emulator, emulator.user(7402, language_code="en"))
        await emulator.send_text(resident.user, "/start")
        (update,) = take_updates(emulator)
        async with aiohttp.ClientSession() as http:
            assert await post_update(http, port, update) == 200
        (welcome,) = await emulator.wait_for_messages(resident.chat_id, 1)
        assert "/forget" in welcome.content
    finally:
        stop.set()
        await server
    faulted = sorted((r.method, r.fault) for r in emulator.request_log if r.fault)
    assert [method.lower() for method, _ in faulted] == ["getme", "setwebhook"], faulted


async def test_updates_posted_with_the_secret_are_answered(
    emulator: BotApiEmulator, webhook_bot: WebhookBot
) -> None:
    assert emulator.webhook.secret_token == SECRET
    assert emulator.webhook.allowed_updates == ["message", "callback_query"]
    resident = Resident(emulator, emulator.user(7401, language_code="en"))
    await emulator.send_text(resident.user, "/start")
    (update,) = take_updates(emulator)
    assert await post_update(webhook_bot.http, webhook_bot.port, update) == 200
    (welcome,) = await emulator.wait_for_messages(resident.chat_id, 1)
    assert "/forget" in welcome.content


@pytest.mark.parametrize("secret", [None, "", "wrong-secret", SECRET[:-1], SECRET + "x"])
async def test_requests_without_the_right_secret_are_refused_and_ignored(
    emulator: BotApiEmulator, webhook_bot: WebhookBot, secret: str | None
) -> None:
    resident = Resident(emulator, emulator.user(7402, language_code="sv"))
    await emulator.send_text(resident.user, "/start")
    (update,) = take_updates(emulator)
    status = await post_update(webhook_bot.http, webhook_bot.port, update, secret=secret)
    assert status == 403
    # A genuine update afterwards is answered, and it is the only reply the chat gets.
    await emulator.send_text(resident.user, "/hjalp")
    (genuine,) = take_updates(emulator)
    assert await post_update(webhook_bot.http, webhook_bot.port, genuine) == 200
    await emulator.wait_for_messages(resident.chat_id, 1)
    with contextlib.suppress(TimeoutError):
        await emulator.wait_for_messages(resident.chat_id, 2, timeout=0.3)
    assert emulator.count_messages(resident.chat_id) == 1


async def test_a_body_that_is_not_an_update_is_a_bad_request(webhook_bot: WebhookBot) -> None:
    url = f"http://127.0.0.1:{webhook_bot.port}/telegram/webhook"
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    async with webhook_bot.http.post(url, data=b"{not json", headers=headers) as reply:
        assert reply.status == 400


async def test_health_and_readiness_probes(webhook_bot: WebhookBot) -> None:
    assert await get_json(webhook_bot.http, webhook_bot.port, "/healthz") == (
        200,
        {"status": "ok"},
    )
    status, body = await get_json(webhook_bot.http, webhook_bot.port, "/readyz")
    assert status == 200
    assert body == {
        "status": "ready",
        "ready": True,
        "database": "ok",
        "role": "sender",  # alone on its database, this process sends
        "backlog": 0,
    }
