"""What the emulated Telegram remembers: users, chats, messages, files, commands, logs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

BlockState = Literal["blocked", "deactivated"]
ChatType = Literal["private", "group", "supergroup", "channel"]

FORBIDDEN_DESCRIPTIONS: dict[str, str] = {
    "blocked": "Forbidden: bot was blocked by the user",
    "deactivated": "Forbidden: user is deactivated",
}


@dataclass
class User:
    """A Telegram user (a resident, staff, or the bot itself)."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = "sv"
    is_bot: bool = False
    blocked: BlockState | None = None

    def to_api(self) -> dict[str, Any]:
        """The User object as the Bot API sends it."""
        data: dict[str, Any] = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        if self.language_code and not self.is_bot:
            data["language_code"] = self.language_code
        return data


@dataclass
class Chat:
    """A private chat (id == user id) or a group (negative id)."""

    id: int
    type: ChatType
    title: str | None = None
    first_name: str | None = None
    username: str | None = None
    next_message_id: int = 1

    def to_api(self) -> dict[str, Any]:
        """The Chat object as the Bot API sends it."""
        data: dict[str, Any] = {"id": self.id, "type": self.type}
        if self.type == "private":
            data["first_name"] = self.first_name or str(self.id)
            if self.username:
                data["username"] = self.username
        else:
            data["title"] = self.title or f"Chat {self.id}"
        return data


@dataclass
class StoredFile:
    """A file the bot uploaded (or referred to by file_id / URL)."""

    file_id: str
    file_unique_id: str
    content: bytes | None
    filename: str | None
    mime_type: str | None
    url: str | None = None

    @property
    def size(self) -> int:
        """Bytes uploaded; 0 when the bot sent a URL."""
        return len(self.content) if self.content is not None else 0


@dataclass(frozen=True)
class Button:
    """One inline keyboard button, flattened for easy assertions."""

    text: str
    callback_data: str | None = None
    url: str | None = None
    row: int = 0
    column: int = 0


@dataclass
class Edit:
    """A former version of a bot message, kept when the bot edits it."""

    text: str | None
    reply_markup: dict[str, Any] | None
    at: float


@dataclass
class SentMessage:
    """A message the bot sent, in its current state (edits applied, deletion flagged)."""

    chat_id: int
    message_id: int
    date: int
    sent_at: float
    method: str
    text: str | None = None
    parse_mode: str | None = None
    source_text: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    reply_markup: dict[str, Any] | None = None
    reply_to_message_id: int | None = None
    photo: StoredFile | None = None
    document: StoredFile | None = None
    caption: str | None = None
    edits: list[Edit] = field(default_factory=list)
    edit_date: int | None = None
    deleted: bool = False

    @property
    def buttons(self) -> list[Button]:
        """Inline keyboard buttons in reading order (empty without an inline keyboard)."""
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [
            Button(
                text=str(button.get("text", "")),
                callback_data=button.get("callback_data"),
                url=button.get("url"),
                row=r,
                column=c,
            )
            for r, row in enumerate(rows)
            for c, button in enumerate(row)
        ]

    @property
    def button_texts(self) -> list[str]:
        """The labels of the inline buttons, in reading order."""
        return [button.text for button in self.buttons]

    @property
    def content(self) -> str:
        """Text or caption, whichever the message has ("" for neither)."""
        return self.text if self.text is not None else (self.caption or "")


@dataclass
class IncomingMessage:
    """A message a user sent to the bot through the control API."""

    chat_id: int
    message_id: int
    user_id: int
    date: int
    text: str | None
    update_id: int
    deleted: bool = False


@dataclass
class CallbackQueryRecord:
    """A button press waiting for (or given) an answerCallbackQuery."""

    id: str
    user_id: int
    chat_id: int
    message_id: int
    data: str | None
    update_id: int
    answered: bool = False


@dataclass
class CallbackAnswer:
    """What the bot answered to a button press."""

    callback_query_id: str
    user_id: int
    chat_id: int
    message_id: int
    data: str | None
    text: str | None
    show_alert: bool
    url: str | None
    cache_time: int | None
    at: float


@dataclass
class SendRecord:
    """One attempt by the bot to put something in a chat, with the emulator's verdict."""

    at: float
    method: str
    chat_id: int | None
    status: int
    message_id: int | None = None
    description: str | None = None

    @property
    def ok(self) -> bool:
        """True when the message was accepted."""
        return self.status == 200


@dataclass
class RequestRecord:
    """One HTTP call to the Bot API, whatever its outcome (faults included)."""

    at: float
    method: str
    status: int
    fault: str | None = None


@dataclass
class WebhookInfo:
    """The webhook as set by setWebhook (url "" when none)."""

    url: str = ""
    secret_token: str | None = None
    allowed_updates: list[str] | None = None
    max_connections: int | None = None
    drop_pending_updates: bool = False
    ip_address: str | None = None

    def to_api(self, pending: int) -> dict[str, Any]:
        """The WebhookInfo object as getWebhookInfo returns it."""
        data: dict[str, Any] = {
            "url": self.url,
            "has_custom_certificate": False,
            "pending_update_count": pending,
        }
        if self.url and self.max_connections:
            data["max_connections"] = self.max_connections
        if self.url and self.allowed_updates is not None:
            data["allowed_updates"] = self.allowed_updates
        return data


@dataclass
class ChatAction:
    """A sendChatAction call ("typing", "upload_document", ...)."""

    chat_id: int
    action: str
    at: float
