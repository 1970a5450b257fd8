"""BotApiEmulator: a Bot API server on 127.0.0.1 plus the user-side controls tests drive."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import itertools
import logging
import re
import time
from collections.abc import Awaitable, Callable, Iterable
from types import TracebackType
from typing import Any, Self

from aiohttp import web

from tools.emulator.limits import (
    TELEGRAM_GLOBAL_PER_SECOND,
    TELEGRAM_GROUP_PER_MINUTE,
    TELEGRAM_PER_CHAT_BURST,
    TELEGRAM_PER_CHAT_PER_SECOND,
    Clock,
    FaultConfig,
    FaultInjector,
    FaultKind,
    RateLimits,
    SlidingWindow,
)
from tools.emulator.markup import (
    MAX_CAPTION_UTF16,
    MAX_TEXT_UTF16,
    MarkupError,
    ParsedText,
    parse_text,
    utf16_len,
)
from tools.emulator.params import ApiError, Params, UploadedFile
from tools.emulator.state import (
    FORBIDDEN_DESCRIPTIONS,
    BlockState,
    CallbackAnswer,
    CallbackQueryRecord,
    Chat,
    ChatAction,
    ChatType,
    Edit,
    IncomingMessage,
    RequestRecord,
    SendRecord,
    SentMessage,
    StoredFile,
    User,
    WebhookInfo,
)

_LOG = logging.getLogger(__name__)

MB = 1024 * 1024
SEND_METHODS = frozenset({"sendmessage", "sendphoto", "senddocument"})
# Telegram's default when a bot never set allowed_updates: everything but these three.
_NOT_DEFAULT_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
_TEXT_COMMAND_RE = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?")
_MENTION_RE = re.compile(r"(?<![\w@])@[A-Za-z0-9_]{3,32}")
_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)

Handler = Callable[[Params], Awaitable[Any]]


class _Unset:
    """Marks a keyword the caller did not pass (None is a meaningful language_code)."""


_UNSET = _Unset()
UserRef = int | User


def _utf16_offset(text: str, index: int) -> int:
    return utf16_len(text[:index])


def scope_key(scope: dict[str, Any] | None) -> str:
    """A readable key for a BotCommandScope: "default", "chat:42", "chat_member:42:7", ..."""
    if not scope:
        return "default"
    kind = str(scope.get("type", "default"))
    parts = [kind]
    if "chat_id" in scope:
        parts.append(str(scope["chat_id"]))
    if "user_id" in scope:
        parts.append(str(scope["user_id"]))
    return ":".join(parts)


class BotApiEmulator:
    """An in-process Telegram: the Bot API for the bot, a control API for the test's users.

    Start it with `await emulator.start()` (or `async with`), point PTB at `emulator.base_url`,
    then act as residents with `send_text`, `send_command`, `press_button`, ... and read what the
    bot did with `messages`, `wait_for_messages`, `callback_answers`, `commands`, `send_log`.
    """

    def __init__(
        self,
        token: str,
        *,
        bot_username: str = "omradesbot",
        bot_first_name: str = "Områdesboten",
        host: str = "127.0.0.1",
        port: int = 0,
        global_rate: float | None = TELEGRAM_GLOBAL_PER_SECOND,
        per_chat_rate: float | None = TELEGRAM_PER_CHAT_PER_SECOND,
        per_chat_burst: int = TELEGRAM_PER_CHAT_BURST,
        group_rate: float | None = TELEGRAM_GROUP_PER_MINUTE,
        faults: FaultConfig | None = None,
        strict_chats: bool = False,
        photo_limit: int = 10 * MB,
        document_limit: int = 50 * MB,
        clock: Clock = time.monotonic,
        wall_clock: Clock = time.time,
    ) -> None:
        self.token = token
        prefix = token.split(":", 1)[0]
        self.bot = User(
            id=int(prefix) if prefix.isdigit() else 1_000_001,
            first_name=bot_first_name,
            username=bot_username,
            is_bot=True,
            language_code=None,
        )
        self.host = host
        self.port = port
        self.rate_limits = RateLimits(global_rate, per_chat_rate, per_chat_burst, group_rate)
        self._started_limits = {
            "global_per_second": global_rate,
            "per_chat_per_second": per_chat_rate,
            "per_chat_burst": per_chat_burst,
            "group_per_minute": group_rate,
        }
        self.faults = FaultInjector(faults)
        self.strict_chats = strict_chats
        self.photo_limit = photo_limit
        self.document_limit = document_limit
        self.clock = clock
        self.wall_clock = wall_clock
        self._runner: web.AppRunner | None = None
        self._cond = asyncio.Condition()
        self._stopping = asyncio.Event()
        self._methods: dict[str, Handler] = {
            "getme": self._get_me,
            "getupdates": self._get_updates,
            "sendmessage": self._send_message,
            "editmessagetext": self._edit_message_text,
            "editmessagereplymarkup": self._edit_message_reply_markup,
            "deletemessage": self._delete_message,
            "answercallbackquery": self._answer_callback_query,
            "setmycommands": self._set_my_commands,
            "getmycommands": self._get_my_commands,
            "deletemycommands": self._delete_my_commands,
            "setwebhook": self._set_webhook,
            "deletewebhook": self._delete_webhook,
            "getwebhookinfo": self._get_webhook_info,
            "sendphoto": self._send_photo,
            "senddocument": self._send_document,
            "sendchataction": self._send_chat_action,
            "getfile": self._get_file,
            "getchat": self._get_chat,
            "setmydescription": self._set_profile_text,
            "setmyshortdescription": self._set_profile_text,
            "setmyname": self._set_profile_text,
            "setchatmenubutton": self._accept,
            "close": self._accept,
            "logout": self._accept,
        }
        self._reset_state()

    # ------------------------------------------------------------------ lifecycle

    @property
    def url(self) -> str:
        """Root URL of the server, e.g. http://127.0.0.1:40123."""
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """What to give PTB as `base_url` (PTB appends the token and the method)."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        """What to give PTB as `base_file_url`."""
        return f"{self.url}/file/bot"

    @property
    def control_url(self) -> str:
        """Root of the HTTP control API (JSON), for tests in another process."""
        return f"{self.url}/_control"

    async def start(self) -> str:
        """Serve on host:port (port 0 picks a free one); return `base_url`."""
        from tools.emulator.control import add_control_routes  # noqa: PLC0415 (import cycle)

        app = web.Application(client_max_size=max(self.photo_limit, self.document_limit) + MB)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_route("GET", "/file/bot{token}/{path:.+}", self._handle_file)
        add_control_routes(app, self)
        self._stopping.clear()
        self._runner = web.AppRunner(
            app, access_log=None, handle_signals=False, shutdown_timeout=0.5
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        return self.base_url

    async def stop(self) -> None:
        """Release long polls and held requests, then close the server."""
        self._stopping.set()
        await self._publish()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    def _reset_state(self) -> None:
        self.users: dict[int, User] = {}
        self.chats: dict[int, Chat] = {}
        self.sent: dict[int, list[SentMessage]] = {}
        self.incoming: dict[int, list[IncomingMessage]] = {}
        self.updates: list[dict[str, Any]] = []
        self.callback_queries: dict[str, CallbackQueryRecord] = {}
        self.callback_answers: list[CallbackAnswer] = []
        self.registered_commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self.profile_texts: dict[tuple[str, str], str] = {}
        self.webhook = WebhookInfo()
        self.files: dict[str, StoredFile] = {}
        self.chat_actions: list[ChatAction] = []
        self.send_log: list[SendRecord] = []
        self.request_log: list[RequestRecord] = []
        self.allowed_updates: frozenset[str] | None = None
        self._update_ids = itertools.count(10_000_001)
        self._query_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._poll_generation = 0
        self.polls_waiting = 0
        self.rate_limits.reset()

    async def reset(self) -> None:
        """Forget every user, chat, message, update, command and log; switch faults off and
        restore the rate limits it was started with (Telegram's by default)."""
        self._reset_state()
        self.faults.clear()
        self.set_rate_limits(**self._started_limits)  # type: ignore[arg-type]
        await self._publish()

    async def _publish(self) -> None:
        async with self._cond:
            self._cond.notify_all()

    # ------------------------------------------------------------------ configuration

    def set_rate_limits(
        self,
        *,
        global_per_second: float | None = TELEGRAM_GLOBAL_PER_SECOND,
        per_chat_per_second: float | None = TELEGRAM_PER_CHAT_PER_SECOND,
        per_chat_burst: int = TELEGRAM_PER_CHAT_BURST,
        group_per_minute: float | None = TELEGRAM_GROUP_PER_MINUTE,
    ) -> None:
        """Answer 429 with retry_after beyond these send rates (None switches a limit off).

        Without arguments: Telegram's limits, the default. A test that switches one off must say
        why in a comment.
        """
        self.rate_limits.configure(
            global_per_second=global_per_second,
            per_chat_per_second=per_chat_per_second,
            per_chat_burst=per_chat_burst,
            group_per_minute=group_per_minute,
        )

    def no_rate_limits(self) -> None:
        """Switch every rate limit off (say why at the call: Telegram always has them)."""
        self.set_rate_limits(
            global_per_second=None, per_chat_per_second=None, group_per_minute=None
        )

    @property
    def refused_sends(self) -> int:
        """Sends (sendMessage, sendPhoto, sendDocument) answered 429, for the 429-share checks."""
        return sum(1 for record in self.send_log if record.status == 429)

    def set_faults(self, config: FaultConfig | None) -> None:
        """Fail a seeded random fraction of requests (None switches random faults off)."""
        self.faults.configure(config or FaultConfig())

    def script_faults(
        self, kind: FaultKind, count: int = 1, methods: Iterable[str] | None = None
    ) -> None:
        """Fail exactly the next `count` requests (of `methods`, case-insensitive) with `kind`."""
        self.faults.script(kind, count, methods)

    # ------------------------------------------------------------------ users and chats

    def user(
        self,
        user_id: int,
        first_name: str | None = None,
        *,
        language_code: str | _Unset | None = _UNSET,
        username: str | None = None,
        last_name: str | None = None,
    ) -> User:
        """Register (or update) a user and their private chat; return the user.

        A new user speaks Swedish ("sv") unless `language_code` says otherwise; an existing user
        keeps whatever is not passed.
        """
        existing = self.users.get(user_id)
        if existing is None:
            existing = User(
                id=user_id,
                first_name=first_name or f"Resident {user_id}",
                language_code="sv" if isinstance(language_code, _Unset) else language_code,
                username=username,
                last_name=last_name,
            )
            self.users[user_id] = existing
        else:
            if first_name is not None:
                existing.first_name = first_name
            if not isinstance(language_code, _Unset):
                existing.language_code = language_code
            if username is not None:
                existing.username = username
            if last_name is not None:
                existing.last_name = last_name
        self._private_chat(existing)
        return existing

    def _resolve_user(self, user: UserRef) -> User:
        if isinstance(user, User):
            known = self.users.get(user.id)
            if known is not user:
                if known is not None:
                    user.blocked = known.blocked
                self.users[user.id] = user
            self._private_chat(user)
            return user
        return self.users.get(user) or self.user(user)

    def _private_chat(self, user: User) -> Chat:
        chat = self.chats.get(user.id)
        if chat is None:
            chat = Chat(id=user.id, type="private", first_name=user.first_name)
            self.chats[user.id] = chat
        chat.first_name = user.first_name
        chat.username = user.username
        return chat

    def _chat_for(
        self, user: User, chat_id: int | None, chat_type: ChatType, title: str | None
    ) -> Chat:
        if chat_id is None or chat_id == user.id:
            if chat_type != "private":
                raise ValueError("a group chat needs its own (negative) chat_id")
            return self._private_chat(user)
        chat = self.chats.get(chat_id)
        if chat is None:
            kind: ChatType = "group" if chat_type == "private" else chat_type
            chat = Chat(id=chat_id, type=kind, title=title or f"Grupp {-chat_id}")
            self.chats[chat_id] = chat
        return chat

    async def block(
        self, user: UserRef, reason: BlockState = "blocked", *, notify: bool = True
    ) -> None:
        """The user blocks the bot (or deletes their account: reason="deactivated").

        Later sends to their private chat get 403. With `notify`, a blocking user also produces the
        `my_chat_member` update (member -> kicked) Telegram sends.
        """
        resolved = self._resolve_user(user)
        resolved.blocked = reason
        if notify and reason == "blocked":
            self._enqueue(self._member_update(resolved, "member", "kicked"))
        await self._publish()

    async def unblock(self, user: UserRef, *, notify: bool = True) -> None:
        """The user unblocks the bot (sends work again)."""
        resolved = self._resolve_user(user)
        was_blocked = resolved.blocked == "blocked"
        resolved.blocked = None
        if notify and was_blocked:
            self._enqueue(self._member_update(resolved, "kicked", "member"))
        await self._publish()

    def _member_update(self, user: User, old: str, new: str) -> dict[str, Any]:
        member_new: dict[str, Any] = {"user": self.bot.to_api(), "status": new}
        if new == "kicked":
            member_new["until_date"] = 0
        return {
            "my_chat_member": {
                "chat": self._private_chat(user).to_api(),
                "from": user.to_api(),
                "date": int(self.wall_clock()),
                "old_chat_member": {"user": self.bot.to_api(), "status": old},
                "new_chat_member": member_new,
            }
        }

    # ------------------------------------------------------------------ acting as a user

    def _enqueue(self, update: dict[str, Any]) -> int:
        update_id = next(self._update_ids)
        self.updates.append({"update_id": update_id, **update})
        return update_id

    def _text_entities(self, text: str) -> list[dict[str, Any]]:
        entities: list[dict[str, Any]] = []
        for match in _TEXT_COMMAND_RE.finditer(text):
            entities.append(
                {
                    "type": "bot_command",
                    "offset": _utf16_offset(text, match.start()),
                    "length": utf16_len(match.group(0)),
                }
            )
        for match in _MENTION_RE.finditer(text):
            if text[: match.start()].endswith(tuple(e for e in ("/",))):
                continue
            inside_command = any(
                e["offset"] <= _utf16_offset(text, match.start()) < e["offset"] + e["length"]
                for e in entities
            )
            if not inside_command:
                entities.append(
                    {
                        "type": "mention",
                        "offset": _utf16_offset(text, match.start()),
                        "length": utf16_len(match.group(0)),
                    }
                )
        entities.sort(key=lambda e: int(e["offset"]))
        return entities

    async def send_message_payload(
        self,
        user: UserRef,
        fields: dict[str, Any],
        *,
        chat_id: int | None = None,
        chat_type: ChatType = "private",
        chat_title: str | None = None,
        reply_to: int | None = None,
    ) -> IncomingMessage:
        """The user sends a message with arbitrary content `fields` (sticker, photo, ...)."""
        resolved = self._resolve_user(user)
        chat = self._chat_for(resolved, chat_id, chat_type, chat_title)
        message_id = chat.next_message_id
        chat.next_message_id += 1
        date = int(self.wall_clock())
        message: dict[str, Any] = {
            "message_id": message_id,
            "from": resolved.to_api(),
            "chat": chat.to_api(),
            "date": date,
            **fields,
        }
        if reply_to is not None:
            replied = self._any_message_api(chat.id, reply_to)
            if replied is None:
                raise LookupError(f"no message {reply_to} in chat {chat.id} to reply to")
            message["reply_to_message"] = replied
        update_id = self._enqueue({"message": message})
        record = IncomingMessage(
            chat_id=chat.id,
            message_id=message_id,
            user_id=resolved.id,
            date=date,
            text=fields.get("text"),
            update_id=update_id,
        )
        self.incoming.setdefault(chat.id, []).append(record)
        await self._publish()
        return record

    async def send_text(
        self,
        user: UserRef,
        text: str,
        *,
        chat_id: int | None = None,
        chat_type: ChatType = "private",
        chat_title: str | None = None,
        reply_to: int | None = None,
        entities: list[dict[str, Any]] | None = None,
    ) -> IncomingMessage:
        """The user types `text`; /commands and @mentions get their entities as in Telegram."""
        fields: dict[str, Any] = {"text": text}
        found = self._text_entities(text) if entities is None else entities
        if found:
            fields["entities"] = found
        return await self.send_message_payload(
            user,
            fields,
            chat_id=chat_id,
            chat_type=chat_type,
            chat_title=chat_title,
            reply_to=reply_to,
        )

    async def send_command(
        self,
        user: UserRef,
        command: str,
        args: str = "",
        *,
        chat_id: int | None = None,
        chat_type: ChatType = "private",
        address_bot: bool | None = None,
    ) -> IncomingMessage:
        """The user sends /command (with "@botname" in groups unless address_bot=False)."""
        addressed = chat_type != "private" if address_bot is None else address_bot
        text = "/" + command.lstrip("/")
        if addressed:
            text += f"@{self.bot.username}"
        if args:
            text += f" {args}"
        return await self.send_text(user, text, chat_id=chat_id, chat_type=chat_type)

    async def send_non_text(
        self,
        user: UserRef,
        kind: str,
        *,
        chat_id: int | None = None,
        chat_type: ChatType = "private",
        caption: str | None = None,
    ) -> IncomingMessage:
        """The user sends a sticker, photo, voice, video, document or location."""
        file_no = next(self._file_ids)
        file = {"file_id": f"user-{kind}-{file_no}", "file_unique_id": f"u{kind}{file_no}"}
        payloads: dict[str, dict[str, Any]] = {
            "sticker": {
                "sticker": {
                    **file,
                    "type": "regular",
                    "width": 512,
                    "height": 512,
                    "is_animated": False,
                    "is_video": False,
                    "emoji": "👍",
                }
            },
            "photo": {"photo": [{**file, "width": 90, "height": 90, "file_size": 1024}]},
            "voice": {"voice": {**file, "duration": 3, "mime_type": "audio/ogg"}},
            "video": {"video": {**file, "width": 320, "height": 240, "duration": 5}},
            "document": {
                "document": {**file, "file_name": "file.pdf", "mime_type": "application/pdf"}
            },
            "location": {"location": {"latitude": 57.6554, "longitude": 12.0138}},
        }
        if kind not in payloads:
            raise ValueError(f"unknown kind {kind!r}; expected one of {sorted(payloads)}")
        fields = payloads[kind]
        if caption is not None:
            fields["caption"] = caption
        return await self.send_message_payload(user, fields, chat_id=chat_id, chat_type=chat_type)

    async def send_raw_update(self, update: dict[str, Any]) -> int:
        """Queue any update object (update_id is added); return its update_id."""
        update_id = self._enqueue(update)
        await self._publish()
        return update_id

    async def press_button(
        self,
        user: UserRef,
        message: SentMessage | tuple[int, int],
        *,
        data: str | None = None,
        text: str | None = None,
    ) -> str:
        """The user taps an inline button (found by callback data or label); return the query id.

        Without `data` and `text` the message must have exactly one callback button.
        """
        chat_id, message_id = (
            (message.chat_id, message.message_id) if isinstance(message, SentMessage) else message
        )
        sent = self._bot_message(chat_id, message_id)
        if sent is None or sent.deleted:
            raise LookupError(f"no live bot message {message_id} in chat {chat_id}")
        candidates = [b for b in sent.buttons if b.callback_data is not None]
        if data is not None:
            candidates = [b for b in candidates if b.callback_data == data]
        if text is not None:
            candidates = [b for b in candidates if b.text == text]
        if len(candidates) != 1:
            shown = [(b.text, b.callback_data) for b in sent.buttons]
            raise LookupError(
                f"expected one button matching data={data!r} text={text!r} on message "
                f"{message_id} in chat {chat_id}; it has {shown}"
            )
        return await self.send_callback(user, chat_id, message_id, candidates[0].callback_data)

    async def send_callback(
        self, user: UserRef, chat_id: int, message_id: int, data: str | None
    ) -> str:
        """A callback query with any data (a forged or replayed press); return the query id.

        Telegram does not check that the data is on the message, so neither does this.
        """
        resolved = self._resolve_user(user)
        sent = self._bot_message(chat_id, message_id)
        chat = self.chats.get(chat_id) or self._private_chat(resolved)
        if sent is not None and not sent.deleted:
            message_api = self._message_api(sent)
        else:
            # What Telegram sends when the message is gone: an InaccessibleMessage (date 0).
            message_api = {"chat": chat.to_api(), "message_id": message_id, "date": 0}
        query_id = f"{self.bot.id}{next(self._query_ids):08d}"
        query: dict[str, Any] = {
            "id": query_id,
            "from": resolved.to_api(),
            "message": message_api,
            "chat_instance": hashlib.sha1(f"{chat_id}".encode(), usedforsecurity=False).hexdigest()[
                :16
            ],
        }
        if data is not None:
            query["data"] = data
        update_id = self._enqueue({"callback_query": query})
        self.callback_queries[query_id] = CallbackQueryRecord(
            id=query_id,
            user_id=resolved.id,
            chat_id=chat_id,
            message_id=message_id,
            data=data,
            update_id=update_id,
        )
        await self._publish()
        return query_id

    # ------------------------------------------------------------------ reading what the bot did

    def messages(self, chat_id: int, *, include_deleted: bool = True) -> list[SentMessage]:
        """The bot's messages in a chat, oldest first, in their current (edited) state."""
        found = self.sent.get(chat_id, [])
        return list(found) if include_deleted else [m for m in found if not m.deleted]

    def texts(self, chat_id: int) -> list[str]:
        """Text (or caption) of the bot's live messages in a chat."""
        return [m.content for m in self.messages(chat_id, include_deleted=False)]

    def last_message(self, chat_id: int) -> SentMessage:
        """The bot's latest message in a chat (LookupError when there is none)."""
        found = self.sent.get(chat_id)
        if not found:
            raise LookupError(f"the bot sent nothing to chat {chat_id}")
        return found[-1]

    def count_messages(self, chat_id: int | None = None) -> int:
        """How many messages the bot sent (to one chat, or overall); deleted ones still count."""
        if chat_id is not None:
            return len(self.sent.get(chat_id, []))
        return sum(len(messages) for messages in self.sent.values())

    def message_counts(self) -> dict[int, int]:
        """Messages sent per chat, for exactly-once checks."""
        return {chat_id: len(messages) for chat_id, messages in self.sent.items() if messages}

    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates the bot has not confirmed yet."""
        return list(self.updates)

    def commands(
        self, language_code: str = "", scope: dict[str, Any] | str | None = None
    ) -> list[dict[str, str]]:
        """Commands set with setMyCommands for this language and scope ("default" if None)."""
        key = scope if isinstance(scope, str) else scope_key(scope)
        return list(self.registered_commands.get((key, language_code), []))

    def max_sends_per_window(self, window: float = 1.0, *, chat_id: int | None = None) -> int:
        """Most accepted sends within any `window` seconds (overall or to one chat)."""
        times = sorted(
            record.at
            for record in self.send_log
            if record.ok and (chat_id is None or record.chat_id == chat_id)
        )
        best = 0
        start = 0
        for end, at in enumerate(times):
            while times[start] <= at - window:
                start += 1
            best = max(best, end - start + 1)
        return best

    async def wait_until(
        self, predicate: Callable[[], bool], *, timeout: float = 5.0, what: str = "a condition"
    ) -> None:
        """Wait (woken by every state change, never polling) until `predicate()` holds."""
        try:
            async with self._cond:
                await asyncio.wait_for(self._cond.wait_for(predicate), timeout)
        except TimeoutError:
            raise TimeoutError(f"waited {timeout} s for {what}") from None

    async def wait_for_messages(
        self, chat_id: int, count: int, *, timeout: float = 5.0
    ) -> list[SentMessage]:
        """Wait until the bot has sent at least `count` messages to the chat; return them all."""
        try:
            await self.wait_until(
                lambda: self.count_messages(chat_id) >= count,
                timeout=timeout,
                what=f"{count} messages in chat {chat_id}",
            )
        except TimeoutError:
            got = [m.content[:80] for m in self.messages(chat_id)]
            raise TimeoutError(
                f"waited {timeout} s for {count} bot messages in chat {chat_id}; got {len(got)}: "
                f"{got}"
            ) from None
        return self.messages(chat_id)

    async def send_and_wait(
        self, user: UserRef, text: str, *, replies: int = 1, timeout: float = 5.0
    ) -> list[SentMessage]:
        """Send `text` in the user's private chat and return the bot's next `replies` messages."""
        user_id = user.id if isinstance(user, User) else user
        before = self.count_messages(user_id)
        await self.send_text(user, text)
        messages = await self.wait_for_messages(user_id, before + replies, timeout=timeout)
        return messages[before:]

    async def wait_for_callback_answer(
        self, query_id: str, *, timeout: float = 5.0
    ) -> CallbackAnswer:
        """Wait until the bot answers the callback query `query_id`."""
        await self.wait_until(
            lambda: any(a.callback_query_id == query_id for a in self.callback_answers),
            timeout=timeout,
            what=f"an answer to callback query {query_id}",
        )
        return next(a for a in self.callback_answers if a.callback_query_id == query_id)

    async def wait_for_updates_confirmed(self, *, timeout: float = 5.0) -> None:
        """Wait until the bot has fetched and confirmed every queued update."""
        await self.wait_until(
            lambda: not self.updates, timeout=timeout, what="the bot to confirm all updates"
        )

    # ------------------------------------------------------------------ HTTP: Bot API

    def _json(self, body: dict[str, Any], status: int = 200) -> web.Response:
        return web.json_response(body, status=status)

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"].lower()
        now = self.clock()
        if request.match_info["token"] != self.token:
            self.request_log.append(RequestRecord(now, method, 401))
            return self._json(ApiError(401, "Unauthorized").to_api(), 401)
        fault = self.faults.pick(method)
        if fault is not None and not (self.faults.config.after_processing and fault != "429"):
            return await self._serve_fault(request, method, fault)
        params: Params | None = None
        try:
            params = await Params.read(request)
            handler = self._methods.get(method)
            if handler is None:
                raise ApiError(404, "Not Found")
            result = await handler(params)
        except ApiError as error:
            self._log_send(method, params, error.code, None, error.description)
            self.request_log.append(RequestRecord(now, method, error.code))
            await self._publish()
            return self._json(error.to_api(), error.code)
        message_id = result.get("message_id") if isinstance(result, dict) else None
        self._log_send(method, params, 200, message_id, None)
        await self._publish()
        if fault is not None:
            return await self._serve_fault(request, method, fault)
        self.request_log.append(RequestRecord(now, method, 200))
        return self._json({"ok": True, "result": result})

    def _log_send(
        self,
        method: str,
        params: Params | None,
        status: int,
        message_id: int | None,
        description: str | None,
    ) -> None:
        if method not in SEND_METHODS:
            return
        chat_id: int | None = None
        if params is not None:
            try:
                chat_id = params.integer("chat_id")
            except ApiError:
                chat_id = None
        self.send_log.append(
            SendRecord(self.clock(), method, chat_id, status, message_id, description)
        )

    async def _serve_fault(
        self, request: web.Request, method: str, fault: FaultKind
    ) -> web.StreamResponse:
        now = self.clock()
        if fault == "429":
            retry_after = self.faults.config.retry_after
            self.request_log.append(RequestRecord(now, method, 429, fault))
            self._log_send_fault(method, request, 429)
            error = ApiError(
                429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after
            )
            return self._json(error.to_api(), 429)
        if fault in {"500", "502"}:
            status = int(fault)
            self.request_log.append(RequestRecord(now, method, status, fault))
            self._log_send_fault(method, request, status)
            description = "Internal Server Error" if status == 500 else "Bad Gateway"
            return self._json(ApiError(status, description).to_api(), status)
        self.request_log.append(RequestRecord(now, method, 0, fault))
        self._log_send_fault(method, request, 0)
        if fault == "timeout":
            # Hold the request past the client's timeout (or until the emulator stops).
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self.faults.config.timeout_hold)
        transport = request.transport
        if transport is not None:
            transport.abort()
        # aiohttp finds the connection gone and writes nothing; the client sees a dropped socket.
        raise web.HTTPBadGateway

    def _log_send_fault(self, method: str, request: web.Request, status: int) -> None:
        if method in SEND_METHODS:
            self.send_log.append(SendRecord(self.clock(), method, None, status))

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return self._json(ApiError(401, "Unauthorized").to_api(), 401)
        file_id = request.match_info["path"].rsplit("/", 1)[-1]
        stored = self.files.get(file_id)
        if stored is None or stored.content is None:
            return self._json(ApiError(404, "Not Found").to_api(), 404)
        return web.Response(body=stored.content, content_type="application/octet-stream")

    # ------------------------------------------------------------------ Bot API methods

    async def _accept(self, params: Params) -> bool:
        return True

    async def _get_me(self, params: Params) -> dict[str, Any]:
        return {
            **self.bot.to_api(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _update_type(self, update: dict[str, Any]) -> str:
        return next(key for key in update if key != "update_id")

    def _is_allowed(self, update: dict[str, Any]) -> bool:
        kind = self._update_type(update)
        if self.allowed_updates is None:
            return kind not in _NOT_DEFAULT_UPDATES
        return kind in self.allowed_updates

    async def _get_updates(self, params: Params) -> list[dict[str, Any]]:
        if self.webhook.url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use "
                "deleteWebhook to delete the webhook first",
            )
        offset = params.integer("offset")
        limit = min(max(params.integer("limit") or 100, 1), 100)
        timeout = max(params.number("timeout") or 0.0, 0.0)
        allowed = params.object("allowed_updates")
        if allowed is not None:
            self.allowed_updates = frozenset(allowed) if allowed else None
        if offset is not None:
            if offset < 0:
                self.updates = self.updates[offset:]
            else:
                self.updates = [u for u in self.updates if u["update_id"] >= offset]
        # A newer getUpdates ends an older one that is still waiting, as on Telegram.
        self._poll_generation += 1
        generation = self._poll_generation
        await self._publish()

        def ready() -> bool:
            return (
                generation != self._poll_generation
                or self._stopping.is_set()
                or any(self._is_allowed(u) for u in self.updates)
            )

        if timeout > 0 and not ready():
            self.polls_waiting += 1
            await self._publish()
            try:
                async with self._cond:
                    await asyncio.wait_for(self._cond.wait_for(ready), timeout)
            except TimeoutError:
                pass
            finally:
                self.polls_waiting -= 1
        if generation != self._poll_generation:
            raise ApiError(
                409,
                "Conflict: terminated by other getUpdates request; make sure that only one bot "
                "instance is running",
            )
        self.updates = [u for u in self.updates if self._is_allowed(u)]
        return self.updates[:limit]

    def _target_chat(self, params: Params, *, check_blocked: bool = True) -> Chat:
        chat_id = params.chat_id()
        chat = self.chats.get(chat_id)
        if chat is None:
            if self.strict_chats or chat_id <= 0:
                raise ApiError(400, "Bad Request: chat not found")
            chat = self._private_chat(self.user(chat_id))
        if check_blocked and chat.type == "private":
            user = self.users.get(chat.id)
            if user is not None and user.blocked is not None:
                raise ApiError(403, FORBIDDEN_DESCRIPTIONS[user.blocked])
        return chat

    def _parse(
        self, text: str, parse_mode: str | None, entities: Any, limit: int, too_long: str
    ) -> ParsedText:
        try:
            parsed = parse_text(text, parse_mode)
        except MarkupError as error:
            raise ApiError(400, f"Bad Request: {error}") from None
        if not parse_mode and isinstance(entities, list):
            parsed.entities = entities
        if parsed.length > limit:
            raise ApiError(400, f"Bad Request: {too_long}")
        return parsed

    def _reply_markup(self, params: Params) -> dict[str, Any] | None:
        markup = params.object("reply_markup")
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            rows = markup["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
                raise ApiError(
                    400, "Bad Request: can't parse inline keyboard button: array of arrays expected"
                )
            for row in rows:
                for button in row:
                    self._check_button(button)
        return markup

    def _check_button(self, button: Any) -> None:
        if not isinstance(button, dict) or not isinstance(button.get("text"), str):
            raise ApiError(400, "Bad Request: can't parse inline keyboard button: Text is empty")
        if not button["text"].strip():
            raise ApiError(400, "Bad Request: can't parse inline keyboard button: Text is empty")
        actions = [k for k in button if k != "text"]
        if not actions:
            raise ApiError(400, "Bad Request: text buttons are unallowed in the inline keyboard")
        data = button.get("callback_data")
        if data is not None and not 1 <= len(str(data).encode("utf-8")) <= 64:
            raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")

    def _reply_to(self, params: Params, chat: Chat) -> int | None:
        reply = params.object("reply_parameters")
        message_id = params.integer("reply_to_message_id")
        allow_missing = params.flag("allow_sending_without_reply")
        if isinstance(reply, dict):
            message_id = reply.get("message_id")
            allow_missing = allow_missing or bool(reply.get("allow_sending_without_reply"))
        if message_id is None:
            return None
        if self._any_message_api(chat.id, int(message_id)) is None:
            if allow_missing:
                return None
            raise ApiError(400, "Bad Request: message to be replied not found")
        return int(message_id)

    def _check_rate(self, chat_id: int) -> None:
        retry_after = self.rate_limits.check(chat_id, self.clock())
        if retry_after:
            raise ApiError(
                429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after
            )

    def _store(self, chat: Chat, method: str, **fields: Any) -> SentMessage:
        message = SentMessage(
            chat_id=chat.id,
            message_id=chat.next_message_id,
            date=int(self.wall_clock()),
            sent_at=self.clock(),
            method=method,
            **fields,
        )
        chat.next_message_id += 1
        self.sent.setdefault(chat.id, []).append(message)
        return message

    async def _send_message(self, params: Params) -> dict[str, Any]:
        chat = self._target_chat(params)
        text = params.text("text") or ""
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        parse_mode = params.text("parse_mode")
        parsed = self._parse(
            text, parse_mode, params.object("entities"), MAX_TEXT_UTF16, "message is too long"
        )
        if not parsed.text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        markup = self._reply_markup(params)
        reply_to = self._reply_to(params, chat)
        self._check_rate(chat.id)
        message = self._store(
            chat,
            "sendMessage",
            text=parsed.text,
            parse_mode=parse_mode,
            source_text=text,
            entities=parsed.entities,
            reply_markup=markup,
            reply_to_message_id=reply_to,
        )
        return self._message_api(message)

    def _bot_message(self, chat_id: int, message_id: int) -> SentMessage | None:
        for message in self.sent.get(chat_id, []):
            if message.message_id == message_id:
                return message
        return None

    def _incoming_message(self, chat_id: int, message_id: int) -> IncomingMessage | None:
        for message in self.incoming.get(chat_id, []):
            if message.message_id == message_id:
                return message
        return None

    def _any_message_api(self, chat_id: int, message_id: int) -> dict[str, Any] | None:
        sent = self._bot_message(chat_id, message_id)
        if sent is not None and not sent.deleted:
            return self._message_api(sent, nested=True)
        incoming = self._incoming_message(chat_id, message_id)
        if incoming is not None and not incoming.deleted:
            user = self.users[incoming.user_id]
            data: dict[str, Any] = {
                "message_id": incoming.message_id,
                "from": user.to_api(),
                "chat": self.chats[chat_id].to_api(),
                "date": incoming.date,
            }
            if incoming.text is not None:
                data["text"] = incoming.text
            return data
        return None

    def _file_api(self, stored: StoredFile) -> dict[str, Any]:
        data: dict[str, Any] = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
        }
        if stored.content is not None:
            data["file_size"] = stored.size
        return data

    def _message_api(self, message: SentMessage, *, nested: bool = False) -> dict[str, Any]:
        data: dict[str, Any] = {
            "message_id": message.message_id,
            "from": self.bot.to_api(),
            "chat": self.chats[message.chat_id].to_api(),
            "date": message.date,
        }
        if message.edit_date is not None:
            data["edit_date"] = message.edit_date
        if message.text is not None:
            data["text"] = message.text
            if message.entities:
                data["entities"] = message.entities
        if message.photo is not None:
            data["photo"] = [{**self._file_api(message.photo), "width": 1280, "height": 960}]
        if message.document is not None:
            document = self._file_api(message.document)
            if message.document.filename:
                document["file_name"] = message.document.filename
            if message.document.mime_type:
                document["mime_type"] = message.document.mime_type
            data["document"] = document
        if message.caption:
            data["caption"] = message.caption
            if message.entities:
                data["caption_entities"] = message.entities
        if message.reply_markup and "inline_keyboard" in message.reply_markup:
            data["reply_markup"] = {"inline_keyboard": message.reply_markup["inline_keyboard"]}
        if message.reply_to_message_id is not None and not nested:
            replied = self._any_message_api(message.chat_id, message.reply_to_message_id)
            if replied is not None:
                data["reply_to_message"] = replied
        return data

    def _editable(self, params: Params) -> SentMessage:
        if params.has("inline_message_id"):
            raise ApiError(400, "Bad Request: inline messages are not emulated")
        chat = self._target_chat(params)
        message_id = params.integer("message_id")
        if message_id is None:
            raise ApiError(400, "Bad Request: message identifier is not specified")
        message = self._bot_message(chat.id, message_id)
        if message is None or message.deleted:
            if self._incoming_message(chat.id, message_id) is not None:
                raise ApiError(400, "Bad Request: message can't be edited")
            raise ApiError(400, "Bad Request: message to edit not found")
        return message

    def _apply_edit(
        self, message: SentMessage, markup: dict[str, Any] | None, **changes: Any
    ) -> None:
        message.edits.append(Edit(message.text, message.reply_markup, self.clock()))
        for name, value in changes.items():
            setattr(message, name, value)
        message.reply_markup = markup
        message.edit_date = int(self.wall_clock())

    async def _edit_message_text(self, params: Params) -> dict[str, Any]:
        message = self._editable(params)
        if message.text is None:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        text = params.text("text") or ""
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        parse_mode = params.text("parse_mode")
        parsed = self._parse(
            text, parse_mode, params.object("entities"), MAX_TEXT_UTF16, "message is too long"
        )
        # Like Telegram: an edit without reply_markup removes the inline keyboard.
        markup = self._reply_markup(params)
        if (
            parsed.text == message.text
            and parsed.entities == message.entities
            and markup == message.reply_markup
        ):
            raise ApiError(400, _NOT_MODIFIED)
        self._apply_edit(
            message,
            markup,
            text=parsed.text,
            entities=parsed.entities,
            parse_mode=parse_mode,
            source_text=text,
        )
        return self._message_api(message)

    async def _edit_message_reply_markup(self, params: Params) -> dict[str, Any]:
        message = self._editable(params)
        markup = self._reply_markup(params)
        if markup == message.reply_markup:
            raise ApiError(400, _NOT_MODIFIED)
        self._apply_edit(message, markup)
        return self._message_api(message)

    async def _delete_message(self, params: Params) -> bool:
        chat = self._target_chat(params, check_blocked=False)
        message_id = params.integer("message_id")
        if message_id is None:
            raise ApiError(400, "Bad Request: message identifier is not specified")
        sent = self._bot_message(chat.id, message_id)
        incoming = self._incoming_message(chat.id, message_id)
        target: SentMessage | IncomingMessage | None = sent or incoming
        if target is None or target.deleted:
            raise ApiError(400, "Bad Request: message to delete not found")
        target.deleted = True
        return True

    async def _answer_callback_query(self, params: Params) -> bool:
        query_id = params.text("callback_query_id")
        query = self.callback_queries.get(query_id or "")
        if query is None or query.answered:
            raise ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        query.answered = True
        self.callback_answers.append(
            CallbackAnswer(
                callback_query_id=query.id,
                user_id=query.user_id,
                chat_id=query.chat_id,
                message_id=query.message_id,
                data=query.data,
                text=params.text("text"),
                show_alert=params.flag("show_alert"),
                url=params.text("url"),
                cache_time=params.integer("cache_time"),
                at=self.clock(),
            )
        )
        return True

    def _commands_key(self, params: Params) -> tuple[str, str]:
        scope = params.object("scope")
        if scope is not None and not isinstance(scope, dict):
            raise ApiError(400, "Bad Request: can't parse BotCommandScope JSON object")
        language = params.text("language_code") or ""
        if language and not re.fullmatch(r"[a-z]{2}", language):
            raise ApiError(400, "Bad Request: invalid language code specified")
        return scope_key(scope), language

    async def _set_my_commands(self, params: Params) -> bool:
        commands = params.object("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise ApiError(400, "Bad Request: can't parse commands JSON object")
        cleaned: list[dict[str, str]] = []
        for command in commands:
            if not isinstance(command, dict):
                raise ApiError(400, "Bad Request: can't parse BotCommand JSON object")
            name = str(command.get("command", "")).removeprefix("/")
            description = str(command.get("description", ""))
            if not _COMMAND_RE.fullmatch(name):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(description.strip()) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
            cleaned.append({"command": name, "description": description})
        key = self._commands_key(params)
        if cleaned:
            self.registered_commands[key] = cleaned
        else:
            self.registered_commands.pop(key, None)
        return True

    async def _get_my_commands(self, params: Params) -> list[dict[str, str]]:
        return list(self.registered_commands.get(self._commands_key(params), []))

    async def _delete_my_commands(self, params: Params) -> bool:
        self.registered_commands.pop(self._commands_key(params), None)
        return True

    async def _set_profile_text(self, params: Params) -> bool:
        for name in ("description", "short_description", "name"):
            if params.has(name) or name == "name":
                value = params.text(name)
                if value is not None:
                    self.profile_texts[(name, params.text("language_code") or "")] = value
        return True

    async def _set_webhook(self, params: Params) -> bool:
        url = params.text("url") or ""
        if url and not url.startswith("https://") and not url.startswith("http://127.0.0.1"):
            raise ApiError(400, "Bad Request: bad webhook: HTTPS url must be provided for webhook")
        secret = params.text("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        allowed = params.object("allowed_updates")
        self.webhook = WebhookInfo(
            url=url,
            secret_token=secret,
            allowed_updates=list(allowed) if isinstance(allowed, list) else None,
            max_connections=params.integer("max_connections"),
            drop_pending_updates=params.flag("drop_pending_updates"),
            ip_address=params.text("ip_address"),
        )
        if params.flag("drop_pending_updates"):
            self.updates.clear()
        return True

    async def _delete_webhook(self, params: Params) -> bool:
        self.webhook = WebhookInfo()
        if params.flag("drop_pending_updates"):
            self.updates.clear()
        return True

    async def _get_webhook_info(self, params: Params) -> dict[str, Any]:
        return self.webhook.to_api(len(self.updates))

    def _stored_file(self, params: Params, field: str, limit: int, too_big_code: int) -> StoredFile:
        upload: UploadedFile | None = params.files.get(field)
        reference = params.text(field)
        if upload is None and reference and reference.startswith("attach://"):
            upload = params.files.get(reference.removeprefix("attach://"))
        if upload is not None:
            if len(upload.data) > limit:
                description = (
                    "Request Entity Too Large"
                    if too_big_code == 413
                    else "Bad Request: file is too big"
                )
                raise ApiError(too_big_code, description)
            number = next(self._file_ids)
            stored = StoredFile(
                file_id=f"{field}-{number:06d}",
                file_unique_id=f"u{field}{number}",
                content=upload.data,
                filename=upload.filename,
                mime_type=upload.content_type,
            )
            self.files[stored.file_id] = stored
            return stored
        if not reference:
            raise ApiError(400, f"Bad Request: there is no {field} in the request")
        if reference in self.files:
            return self.files[reference]
        if reference.startswith(("http://", "https://")):
            number = next(self._file_ids)
            return StoredFile(
                file_id=f"{field}-{number:06d}",
                file_unique_id=f"u{field}{number}",
                content=None,
                filename=None,
                mime_type=None,
                url=reference,
            )
        raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")

    async def _send_media(self, params: Params, field: str) -> dict[str, Any]:
        chat = self._target_chat(params)
        if field == "photo":
            stored = self._stored_file(params, field, self.photo_limit, 400)
        else:
            stored = self._stored_file(params, field, self.document_limit, 413)
        caption = params.text("caption")
        parse_mode = params.text("parse_mode")
        parsed = ParsedText("")
        if caption:
            parsed = self._parse(
                caption,
                parse_mode,
                params.object("caption_entities"),
                MAX_CAPTION_UTF16,
                "message caption is too long",
            )
        markup = self._reply_markup(params)
        reply_to = self._reply_to(params, chat)
        self._check_rate(chat.id)
        message = self._store(
            chat,
            "sendPhoto" if field == "photo" else "sendDocument",
            caption=parsed.text or None,
            entities=parsed.entities,
            parse_mode=parse_mode,
            source_text=caption,
            reply_markup=markup,
            reply_to_message_id=reply_to,
            **{field: stored},
        )
        return self._message_api(message)

    async def _send_photo(self, params: Params) -> dict[str, Any]:
        return await self._send_media(params, "photo")

    async def _send_document(self, params: Params) -> dict[str, Any]:
        return await self._send_media(params, "document")

    async def _send_chat_action(self, params: Params) -> bool:
        chat = self._target_chat(params)
        action = params.text("action")
        if not action:
            raise ApiError(400, "Bad Request: wrong parameter action in request")
        self.chat_actions.append(ChatAction(chat.id, action, self.clock()))
        return True

    async def _get_file(self, params: Params) -> dict[str, Any]:
        stored = self.files.get(params.text("file_id") or "")
        if stored is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        return {**self._file_api(stored), "file_path": f"files/{stored.file_id}"}

    async def _get_chat(self, params: Params) -> dict[str, Any]:
        chat = self._target_chat(params, check_blocked=False)
        return {**chat.to_api(), "accent_color_id": 0, "max_reaction_count": 11}


__all__ = ["SEND_METHODS", "BotApiEmulator", "SlidingWindow", "scope_key"]
