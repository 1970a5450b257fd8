"""Webhook mode: a small aiohttp server that feeds Telegram's POSTs to the application.

The same server answers `GET /healthz` and `GET /readyz` (JSON, see bot/health.py), so one port
serves the load balancer's probes and Telegram. Handling an update keeps no state in the process,
so any number of processes can sit behind one webhook URL.

Telegram sends the `secret_token` given to setWebhook in the `X-Telegram-Bot-Api-Secret-Token`
header; a request without the right one is refused with 403 before its body is read, compared in
constant time so the secret cannot be guessed byte by byte.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hmac
import json
import logging
import signal
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Update
from telegram.error import BadRequest, NetworkError, RetryAfter

from bot.config import Settings
from bot.errors import ConfigError
from bot.health import Role, check_readiness, liveness
from bot.services import Services
from bot.telegram.app import ALLOWED_UPDATES, START_UP_RETRIES
from bot.telegram.context import BotApplication
from bot.telegram.loop import new_event_loop

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name
HEALTH_PATH = "/healthz"
READY_PATH = "/readyz"
# Telegram's updates are small; anything bigger is not from Telegram.
MAX_UPDATE_BYTES = 1024 * 1024


@dataclass(frozen=True)
class WebhookConfig:
    """Where Telegram calls (the public URL), the secret it sends, and where we listen."""

    url: str
    secret: str
    path: str
    host: str
    port: int

    @classmethod
    def from_settings(cls, settings: Settings) -> WebhookConfig:
        """The webhook settings, or ConfigError naming what is missing for webhook mode."""
        if not settings.webhook_url:
            raise ConfigError(
                "webhook mode needs OMRADESBOT_WEBHOOK_URL: the public https:// URL Telegram "
                "calls, e.g. https://bot.example.org/telegram (see docs/operations.md)"
            )
        if settings.webhook_secret is None:
            raise ConfigError(
                "webhook mode needs OMRADESBOT_WEBHOOK_SECRET: 1-256 characters of A-Z, a-z, "
                "0-9, '_' or '-'; generate one with: python -c 'import secrets; "
                "print(secrets.token_urlsafe(32))'"
            )
        return cls(
            url=settings.webhook_url,
            secret=settings.webhook_secret.reveal(),
            path=urlsplit(settings.webhook_url).path or "/",
            host=settings.listen_host,
            port=settings.listen_port,
        )


def services_role(services: Services) -> Role:
    """This process's role, as the readiness check reports it."""
    return services.leadership.role


def build_web_app(
    application: BotApplication, config: WebhookConfig, role: Callable[[], Role]
) -> web.Application:
    """The aiohttp app: POST <path> for Telegram, GET /healthz and /readyz for probes."""
    services = application.bot_data.services
    secret = config.secret.encode()

    async def receive_update(request: web.Request) -> web.Response:
        """Queue one update from Telegram; 403 without the right secret header."""
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, secret):
            log.warning("webhook request without the right secret header refused (403)")
            return web.json_response({"ok": False, "error": "forbidden"}, status=403)
        try:
            data = await request.json()
            update = Update.de_json(data, application.bot)
        except (json.JSONDecodeError, UnicodeDecodeError, TypeError, KeyError, ValueError):
            return web.json_response({"ok": False, "error": "not an update"}, status=400)
        await application.update_queue.put(update)
        return web.json_response({"ok": True})

    async def healthz(_request: web.Request) -> web.Response:
        """The process is up."""
        return web.json_response(liveness())

    async def readyz(_request: web.Request) -> web.Response:
        """The database answers; the role and the outbox backlog for dashboards."""
        readiness = await check_readiness(services.sessions, role)
        return web.json_response(readiness.to_json(), status=200 if readiness.ready else 503)

    web_app = web.Application(client_max_size=MAX_UPDATE_BYTES)
    web_app.router.add_post(config.path, receive_update)
    web_app.router.add_get(HEALTH_PATH, healthz)
    web_app.router.add_get(READY_PATH, readyz)
    return web_app


async def with_start_up_retries(call: Callable[[], Awaitable[object]], what: str) -> None:
    """Run a start-up Bot API call, retrying a network or server failure (and a 429 after its
    `retry_after`) up to START_UP_RETRIES times, as PTB's polling does for its own start-up."""
    for attempt in range(START_UP_RETRIES + 1):
        try:
            await call()
        except RetryAfter as exc:
            wait = exc.retry_after
            delay = wait.total_seconds() if isinstance(wait, dt.timedelta) else float(wait)
            error: Exception = exc
        except BadRequest:
            raise  # a request Telegram refuses as such is not retried
        except NetworkError as exc:  # also TimedOut
            delay, error = 1.0, exc
        else:
            return
        if attempt == START_UP_RETRIES:
            raise error
        log.warning("start-up: %s failed (%s); trying again in %.0f s", what, error, delay)
        await asyncio.sleep(delay)


async def serve_webhook(application: BotApplication, stop: asyncio.Event) -> None:
    """Start the bot, listen, register the webhook, and run until `stop` is set.

    Start-up order matters: the application runs before the webhook is registered, so the
    first update Telegram sends finds a consumer. On the way out the webhook stays registered:
    other processes behind the same URL keep serving it.
    """
    services = application.bot_data.services
    config = WebhookConfig.from_settings(services.settings)
    await with_start_up_retries(application.initialize, "connecting to the Bot API (getMe)")
    runner: web.AppRunner | None = None
    try:
        if application.post_init is not None:
            await application.post_init(application)
        await application.start()
        runner = web.AppRunner(
            build_web_app(application, config, lambda: services_role(services)),
            access_log=None,  # request lines carry no value and would log residents' IPs
        )
        await runner.setup()
        await web.TCPSite(runner, config.host, config.port).start()
        await with_start_up_retries(
            lambda: application.bot.set_webhook(
                url=config.url, secret_token=config.secret, allowed_updates=ALLOWED_UPDATES
            ),
            "registering the webhook (setWebhook)",
        )
        log.info(
            "webhook mode: listening on %s:%d%s for %s",
            config.host,
            config.port,
            config.path,
            config.url,
        )
        await stop.wait()
    finally:
        if runner is not None:
            await runner.cleanup()
        if application.running:
            await application.stop()
            if application.post_stop is not None:  # as run_polling does after stop()
                await application.post_stop(application)
        await application.shutdown()
        if application.post_shutdown is not None:
            await application.post_shutdown(application)


def run_webhook(application: BotApplication) -> None:
    """Serve the webhook until SIGINT/SIGTERM; start-up errors propagate."""

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):  # not on Windows
                loop.add_signal_handler(sig, stop.set)
        await serve_webhook(application, stop)

    with asyncio.Runner(loop_factory=new_event_loop) as runner:
        runner.run(main())
