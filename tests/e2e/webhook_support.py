"""Helpers for webhook tests: free ports, and playing Telegram by POSTing the emulator's updates."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from typing import Any

import aiohttp

from bot.telegram.webhook import SECRET_HEADER
from tools.emulator import BotApiEmulator

SECRET = "webhook-secret_for-tests"
PUBLIC_URL = "https://bot.example.test/telegram/webhook"


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def take_updates(emulator: BotApiEmulator) -> list[dict[str, Any]]:
    """The updates the emulator queued for the bot, removed as Telegram does once delivered.

    With a webhook set, Telegram POSTs each update instead of holding it for getUpdates; the
    tests do that POST themselves, to whichever process they choose (a load balancer's job).
    """
    updates, emulator.updates[:] = list(emulator.updates), []
    return updates


async def post_update(
    http: aiohttp.ClientSession,
    port: int,
    update: dict[str, Any],
    *,
    secret: str | None = SECRET,
    path: str = "/telegram/webhook",
) -> int:
    """POST one update to a bot process as Telegram would; return the HTTP status."""
    headers = {SECRET_HEADER: secret} if secret is not None else {}
    async with http.post(f"http://127.0.0.1:{port}{path}", json=update, headers=headers) as reply:
        return reply.status


async def get_json(http: aiohttp.ClientSession, port: int, path: str) -> tuple[int, Any]:
    """GET a probe endpoint; (status, JSON body)."""
    async with http.get(f"http://127.0.0.1:{port}{path}") as reply:
        return reply.status, await reply.json()


class RoundRobin:
    """Telegram and a round-robin load balancer in one: each update the emulator queues is
    POSTed by webhook to the next process in turn, in arrival order, as long as it runs."""

    def __init__(self, emulator: BotApiEmulator, http: aiohttp.ClientSession, ports: list[int]):
        self._emulator = emulator
        self._http = http
        self._ports = ports
        self.posted: dict[int, int] = dict.fromkeys(ports, 0)
        self._next = 0
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> RoundRobin:
        self._task = asyncio.create_task(self._pump())
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task

    async def _pump(self) -> None:
        while True:
            await self._emulator.wait_until(
                lambda: bool(self._emulator.updates), timeout=3600, what="an update"
            )
            for update in take_updates(self._emulator):
                port = self._ports[self._next % len(self._ports)]
                self._next += 1
                status = await post_update(self._http, port, update)
                assert status == 200, f"process on port {port} answered {status}"
                self.posted[port] += 1
