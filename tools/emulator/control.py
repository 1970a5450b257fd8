"""The user-side control API over HTTP (JSON under /_control/), for tests in another process."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from tools.emulator.limits import FAULT_KINDS, FaultConfig
from tools.emulator.state import SentMessage, StoredFile, User

if TYPE_CHECKING:
    from tools.emulator.emulator import BotApiEmulator

Route = Callable[["BotApiEmulator", dict[str, Any]], Awaitable[Any]]


def file_json(stored: StoredFile | None) -> dict[str, Any] | None:
    """File metadata (never the bytes; fetch those from GET /_control/file?file_id=...)."""
    if stored is None:
        return None
    return {
        "file_id": stored.file_id,
        "filename": stored.filename,
        "mime_type": stored.mime_type,
        "size": stored.size,
        "sha256": hashlib.sha256(stored.content).hexdigest() if stored.content else None,
        "url": stored.url,
    }


def message_json(message: SentMessage) -> dict[str, Any]:
    """A bot message as plain JSON for the HTTP control API."""
    return {
        "chat_id": message.chat_id,
        "message_id": message.message_id,
        "method": message.method,
        "text": message.text,
        "caption": message.caption,
        "parse_mode": message.parse_mode,
        "source_text": message.source_text,
        "entities": message.entities,
        "reply_markup": message.reply_markup,
        "buttons": [
            {"text": b.text, "callback_data": b.callback_data, "url": b.url}
            for b in message.buttons
        ],
        "reply_to_message_id": message.reply_to_message_id,
        "photo": file_json(message.photo),
        "document": file_json(message.document),
        "edits": [{"text": e.text, "reply_markup": e.reply_markup} for e in message.edits],
        "deleted": message.deleted,
        "date": message.date,
        "sent_at": message.sent_at,
    }


def _user(emu: BotApiEmulator, body: dict[str, Any]) -> User:
    """The user named by user_id, updated with whichever profile fields the body carries."""
    fields = {k: body[k] for k in ("language_code", "username", "last_name") if k in body}
    return emu.user(int(body["user_id"]), body.get("first_name"), **fields)


def _chat_kwargs(body: dict[str, Any]) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"chat_type": body.get("chat_type", "private")}
    if body.get("chat_id") is not None:
        kwargs["chat_id"] = int(body["chat_id"])
    return kwargs


async def _send_text(emu: BotApiEmulator, body: dict[str, Any]) -> Any:
    kwargs = _chat_kwargs(body)
    if body.get("reply_to") is not None:
        kwargs["reply_to"] = int(body["reply_to"])
    sent = await emu.send_text(_user(emu, body), str(body["text"]), **kwargs)
    return {"chat_id": sent.chat_id, "message_id": sent.message_id, "update_id": sent.update_id}


async def _send_command(emu: BotApiEmulator, body: dict[str, Any]) -> Any:
    sent = await emu.send_command(
        _user(emu, body),
        str(body["command"]),
        str(body.get("args", "")),
        address_bot=body.get("address_bot"),
        **_chat_kwargs(body),
    )
    return {"chat_id": sent.chat_id, "message_id": sent.message_id, "update_id": sent.update_id}


async def _send_non_text(emu: BotApiEmulator, body: dict[str, Any]) -> Any:
    sent = await emu.send_non_text(_user(emu, body), str(body["kind"]), **_chat_kwargs(body))
    return {"chat_id": sent.chat_id, "message_id": sent.message_id, "update_id": sent.update_id}


async def _press_button(emu: BotApiEmulator, body: dict[str, Any]) -> Any:
    query_id = await emu.press_button(
        _user(emu, body),
        (int(body["chat_id"]), int(body["message_id"])),
        data=body.get("data"),
        text=body.get("text"),
    )
    return {"callback_query_id": query_id}


async def _send_callback(emu: BotApiEmulator, body: dict[str, Any]) -> Any:
    query_id = await emu.send_callback(
        _user(emu, body), int(body["chat_id"]), int(body["message_id"]), body.get("data")
    )
    return {"callback_query_id": query_id}


async def _register_user(emu: BotApiEmulator, body: dict[str, Any]) -> Any:
    return _user(emu, body).to_api()


async def _block(emu: BotApiEmulator, body: dict[str, Any]) -> Any:
    await emu.block(
        int(body["user_id"]), body.get("reason", "blocked"), notify=body.get("notify", True)
    )
    return True


async def _unblock(emu: BotApiEmulator, body: dict[str, Any]) -> Any:
    await emu.unblock(int(body["user_id"]), notify=body.get("notify", True))
    return True


async def _messages(emu: BotApiEmulator, body: dict[str, Any]) -> Any:
    include_deleted = str(body.get("include_deleted", "true")).lower() != "false"
    chat_id = int(body["chat_id"])
    return [message_json(m) for m in emu.messages(chat_id, include_deleted=include_deleted)]


async def _wait_for_messages(emu: BotApiEmulator, body: dict[str, Any]) -> Any:
    messages = await emu.wait_for_messages(
        int(body["chat_id"]), int(body["count"]), timeout=float(body.get("timeout", 5.0))
    )
    return [message_json(m) for m in messages]


async def _counts(emu: BotApiEmulator, body: dict[str, Any]) -> Any:
    return {str(chat_id): count for chat_id, count in emu.message_counts().items()}


async def _callback_answers(emu: BotApiEmulator, body: dict[str, Any]) -> Any:
    return [
        {
            "callback_query_id": a.callback_query_id,
            "user_id": a.user_id,
            "chat_id": a.chat_id,
            "message_id": a.message_id,
            "data": a.data,
            "text": a.text,
            "show_alert": a.show_alert,
        }
        for a in emu.callback_answers
    ]


async def _commands(emu: BotApiEmulator, body: dict[str, Any]) -> Any:
    return [
        {"scope": scope, "language_code": language, "commands": commands}
        for (scope, language), commands in emu.registered_commands.items()
    ]


async def _webhook(emu: BotApiEmulator, body: dict[str, Any]) -> Any:
    info = emu.webhook
    return {
        "url": info.url,
        "secret_token": info.secret_token,
        "allowed_updates": info.allowed_updates,
        "max_connections": info.max_connections,
    }


async def _send_log(emu: BotApiEmulator, body: dict[str, Any]) -> Any:
    return [
        {
            "at": r.at,
            "method": r.method,
            "chat_id": r.chat_id,
            "status": r.status,
            "message_id": r.message_id,
            "description": r.description,
        }
        for r in emu.send_log
    ]


async def _request_log(emu: BotApiEmulator, body: dict[str, Any]) -> Any:
    return [
        {"at": r.at, "method": r.method, "status": r.status, "fault": r.fault}
        for r in emu.request_log
    ]


async def _pending_updates(emu: BotApiEmulator, body: dict[str, Any]) -> Any:
    return emu.pending_updates()


async def _reset(emu: BotApiEmulator, body: dict[str, Any]) -> Any:
    await emu.reset()
    return True


async def _rate_limits(emu: BotApiEmulator, body: dict[str, Any]) -> Any:
    # Telegram's limits for whatever the body leaves out; null switches one off.
    limits = emu.rate_limits
    emu.set_rate_limits(
        global_per_second=body.get("global_per_second", 30.0),
        per_chat_per_second=body.get("per_chat_per_second", 1.0),
        per_chat_burst=int(body.get("per_chat_burst", limits.per_chat_burst)),
        group_per_minute=body.get("group_per_minute", 20.0),
    )
    return True


async def _faults(emu: BotApiEmulator, body: dict[str, Any]) -> Any:
    kinds = tuple(body.get("kinds", FAULT_KINDS))
    unknown = [k for k in kinds if k not in FAULT_KINDS]
    if unknown:
        raise ValueError(f"unknown fault kinds {unknown}; expected some of {FAULT_KINDS}")
    methods = body.get("methods")
    emu.set_faults(
        FaultConfig(
            rate=float(body.get("rate", 0.0)),
            seed=int(body.get("seed", 0)),
            kinds=kinds,
            methods=frozenset(m.lower() for m in methods) if methods is not None else None,
            retry_after=int(body.get("retry_after", 1)),
            timeout_hold=float(body.get("timeout_hold", 30.0)),
            after_processing=bool(body.get("after_processing", False)),
        )
    )
    return True


async def _script_faults(emu: BotApiEmulator, body: dict[str, Any]) -> Any:
    emu.script_faults(body["kind"], int(body.get("count", 1)), body.get("methods"))
    return True


ROUTES: dict[str, Route] = {
    "user": _register_user,
    "send_text": _send_text,
    "send_command": _send_command,
    "send_non_text": _send_non_text,
    "press_button": _press_button,
    "send_callback": _send_callback,
    "block": _block,
    "unblock": _unblock,
    "messages": _messages,
    "wait_for_messages": _wait_for_messages,
    "counts": _counts,
    "callback_answers": _callback_answers,
    "commands": _commands,
    "webhook": _webhook,
    "send_log": _send_log,
    "request_log": _request_log,
    "pending_updates": _pending_updates,
    "reset": _reset,
    "rate_limits": _rate_limits,
    "faults": _faults,
    "script_faults": _script_faults,
}


def add_control_routes(app: web.Application, emulator: BotApiEmulator) -> None:
    """Mount /_control/<action> (GET with query or POST with a JSON object) and /_control/file."""

    async def handle(request: web.Request) -> web.StreamResponse:
        route = ROUTES.get(request.match_info["action"])
        if route is None:
            return web.json_response(
                {"ok": False, "error": f"unknown action; known: {sorted(ROUTES)}"}, status=404
            )
        body: dict[str, Any] = dict(request.query)
        if request.can_read_body:
            try:
                payload = await request.json()
            except ValueError:
                return web.json_response({"ok": False, "error": "body is not JSON"}, status=400)
            if isinstance(payload, dict):
                body.update(payload)
        try:
            result = await route(emulator, body)
        except TimeoutError as error:
            return web.json_response({"ok": False, "error": str(error)}, status=408)
        except (KeyError, ValueError, LookupError) as error:
            return web.json_response({"ok": False, "error": repr(error)}, status=400)
        return web.json_response({"ok": True, "result": result})

    async def file(request: web.Request) -> web.StreamResponse:
        stored = emulator.files.get(request.query.get("file_id", ""))
        if stored is None or stored.content is None:
            return web.json_response({"ok": False, "error": "no such file"}, status=404)
        return web.Response(body=stored.content, content_type="application/octet-stream")

    app.router.add_route("GET", "/_control/file", file)
    app.router.add_route("*", "/_control/{action}", handle)
