"""Bot API request parameters: read from query, form, multipart or JSON bodies alike."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web


class ApiError(Exception):
    """A Bot API error answer: `{"ok": false, "error_code": code, "description": ...}`."""

    def __init__(self, code: int, description: str, *, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after

    def to_api(self) -> dict[str, Any]:
        """The JSON body Telegram sends for this error."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


@dataclass(frozen=True)
class UploadedFile:
    """A multipart file part."""

    filename: str | None
    content_type: str | None
    data: bytes


class Params:
    """Typed access to parameters; PTB sends nested objects and numbers JSON-encoded as text."""

    def __init__(self, values: dict[str, Any], files: dict[str, UploadedFile]) -> None:
        self.values = values
        self.files = files

    @classmethod
    async def read(cls, request: web.Request) -> Params:
        """Collect parameters from the query string and whatever body the client sent."""
        values: dict[str, Any] = dict(request.query)
        files: dict[str, UploadedFile] = {}
        if request.method == "POST" and request.can_read_body:
            if request.content_type == "application/json":
                try:
                    body = await request.json()
                except ValueError as error:
                    raise ApiError(400, "Bad Request: can't parse JSON body") from error
                if not isinstance(body, dict):
                    raise ApiError(400, "Bad Request: JSON body must be an object")
                values.update(body)
            elif request.content_type in {
                "application/x-www-form-urlencoded",
                "multipart/form-data",
            }:
                try:
                    form = await request.post()
                except web.HTTPRequestEntityTooLarge as error:
                    raise ApiError(413, "Request Entity Too Large") from error
                for key, value in form.items():
                    if isinstance(value, web.FileField):
                        files[key] = UploadedFile(
                            value.filename, value.content_type, value.file.read()
                        )
                    else:
                        values[key] = value
        return cls(values, files)

    def has(self, name: str) -> bool:
        """True when the parameter was sent (and is not JSON null)."""
        return self.values.get(name) is not None

    def text(self, name: str) -> str | None:
        """A string parameter (numbers are accepted and turned into text)."""
        value = self.values.get(name)
        if value is None:
            return None
        return value if isinstance(value, str) else json.dumps(value)

    def integer(self, name: str) -> int | None:
        """An integer parameter; malformed values are a 400 like Telegram's."""
        value = self.values.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            return int(value)
        try:
            return int(value)
        except (TypeError, ValueError):
            raise ApiError(400, f"Bad Request: invalid {name} specified") from None

    def number(self, name: str) -> float | None:
        """A number parameter (timeouts may be fractional)."""
        value = self.values.get(name)
        if value is None or value == "":
            return None
        try:
            return float(value)
        except (TypeError, ValueError):
            raise ApiError(400, f"Bad Request: invalid {name} specified") from None

    def flag(self, name: str) -> bool:
        """A boolean parameter ("true"/"false", 1/0, or JSON booleans)."""
        value = self.values.get(name)
        if isinstance(value, str):
            return value.strip().lower() in {"true", "1"}
        return bool(value)

    def object(self, name: str) -> Any:
        """A JSON-serialised object parameter (reply_markup, scope, commands, ...)."""
        value = self.values.get(name)
        if isinstance(value, str):
            if value == "":
                return None
            try:
                return json.loads(value)
            except ValueError:
                raise ApiError(400, f"Bad Request: can't parse {name} JSON object") from None
        return value

    def chat_id(self) -> int:
        """The chat_id parameter as an int; @usernames of channels are not emulated."""
        if not self.has("chat_id"):
            raise ApiError(400, "Bad Request: chat_id is empty")
        value = self.integer("chat_id")
        assert value is not None
        return value
