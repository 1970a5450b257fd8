"""EmulatorClient: the HTTP control API from another process (same verbs as BotApiEmulator)."""

from __future__ import annotations

from types import TracebackType
from typing import Any, Self

import aiohttp


class ControlError(RuntimeError):
    """The control API refused a call (bad arguments, unknown message, timeout)."""


class EmulatorClient:
    """Drive a standalone emulator (`python -m tools.emulator`) over /_control/ (JSON).

    Results are plain JSON (dicts and lists), the shapes documented in tools/emulator/control.py.
    """

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/").removesuffix("/bot")
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Self:
        self._session = aiohttp.ClientSession()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the HTTP session."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def call(self, action: str, **body: Any) -> Any:
        """POST /_control/<action> with `body` as JSON; return the result."""
        if self._session is None:
            self._session = aiohttp.ClientSession()
        timeout = aiohttp.ClientTimeout(total=float(body.get("timeout", 5.0)) + 10.0)
        async with self._session.post(
            f"{self.url}/_control/{action}", json=body, timeout=timeout
        ) as response:
            payload = await response.json()
        if not payload.get("ok"):
            raise ControlError(f"{action}: {payload.get('error')}")
        return payload["result"]

    async def send_text(self, user_id: int, text: str, **options: Any) -> dict[str, Any]:
        """Options: first_name, language_code, username, chat_id, chat_type, reply_to."""
        result: dict[str, Any] = await self.call("send_text", user_id=user_id, text=text, **options)
        return result

    async def send_command(
        self, user_id: int, command: str, args: str = "", **options: Any
    ) -> dict[str, Any]:
        """Options as send_text plus address_bot."""
        result: dict[str, Any] = await self.call(
            "send_command", user_id=user_id, command=command, args=args, **options
        )
        return result

    async def press_button(
        self,
        user_id: int,
        chat_id: int,
        message_id: int,
        *,
        data: str | None = None,
        text: str | None = None,
    ) -> str:
        """Tap the button with this callback data or label; return the callback query id."""
        result = await self.call(
            "press_button",
            user_id=user_id,
            chat_id=chat_id,
            message_id=message_id,
            data=data,
            text=text,
        )
        return str(result["callback_query_id"])

    async def block(self, user_id: int, reason: str = "blocked") -> None:
        """The user blocks the bot ("deactivated" for a deleted account)."""
        await self.call("block", user_id=user_id, reason=reason)

    async def unblock(self, user_id: int) -> None:
        """The user unblocks the bot."""
        await self.call("unblock", user_id=user_id)

    async def messages(self, chat_id: int) -> list[dict[str, Any]]:
        """The bot's messages in a chat (edits applied, deleted ones flagged)."""
        result: list[dict[str, Any]] = await self.call("messages", chat_id=chat_id)
        return result

    async def wait_for_messages(
        self, chat_id: int, count: int, *, timeout: float = 5.0
    ) -> list[dict[str, Any]]:
        """Wait until the chat has `count` bot messages; return them."""
        result: list[dict[str, Any]] = await self.call(
            "wait_for_messages", chat_id=chat_id, count=count, timeout=timeout
        )
        return result

    async def counts(self) -> dict[int, int]:
        """Bot messages per chat."""
        result: dict[str, int] = await self.call("counts")
        return {int(chat_id): count for chat_id, count in result.items()}

    async def reset(self) -> None:
        """Forget everything; faults off, the rate limits the emulator started with back."""
        await self.call("reset")
