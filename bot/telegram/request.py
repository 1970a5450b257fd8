"""PTB's Bot API requests over aiohttp: the same calls as PTB's httpx backend, for less CPU.

Under load (a broadcast draining while residents ask) the bot spent about half its CPU inside
httpx and httpcore, most of it in httpcore's connection-pool bookkeeping. aiohttp's client
(parser and pool in C) does the same HTTP/1.1 keep-alive requests for a fraction of that
(docs/reliability.md has the figures). PTB documents `BaseRequest` as the seam for this; its
contrib repository has an aiohttp backend too, but it is not published on PyPI.

Timeouts keep PTB's meaning: `connect_timeout` to open a connection, `pool_timeout` to wait for a
free one, `read_timeout` between bytes of the answer (long polling passes its own). aiohttp has no
separate write timeout: a write that stalls ends at the read timeout, which follows it.

The send budget (scheduler/budget.py) is applied here, where every Bot API call of the bot's
connection passes whichever PTB method or shortcut made it: a call that puts something in a chat
(`MESSAGE_METHODS`) takes a permit first, and is tried again after a 429 or a network error
within the budget's bounds; what still fails is counted there. The outbox sender takes its own
permits (`SendBudget.holding`), so its calls pass straight through.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import urlsplit
from urllib.request import getproxies, proxy_bypass

import aiohttp
from telegram.error import NetworkError, TelegramError, TimedOut
from telegram.request import BaseRequest, RequestData

from scheduler.budget import Attempt, Outcome, SendBudget

# PTB's HTTPXRequest defaults, so switching backends changes no behaviour a resident notices.
DEFAULT_READ_TIMEOUT = 5.0
DEFAULT_CONNECT_TIMEOUT = 5.0
DEFAULT_POOL_TIMEOUT = 1.0
# Uploads (the timeline picture, a calendar file) may take longer than a text message.
MEDIA_READ_TIMEOUT = 20.0

log = logging.getLogger(__name__)

Headers = dict[str, str]
_TOKEN_IN_PATH = re.compile(r"(/bot)[^/]+")
_JSON: Headers = {"Content-Type": "application/json"}

# Bot API methods that put something into a chat (or change what is there): each takes a permit.
# Method names are case-insensitive on Telegram; PTB sends them camelCased.
MESSAGE_METHODS = frozenset(
    name.lower()
    for name in (
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "sendMediaGroup",
        "sendVideo",
        "sendAudio",
        "sendVoice",
        "sendAnimation",
        "sendSticker",
        "sendLocation",
        "sendVenue",
        "sendContact",
        "sendPoll",
        "sendDice",
        "sendVideoNote",
        "copyMessage",
        "forwardMessage",
        "editMessageText",
        "editMessageCaption",
        "editMessageMedia",
        "editMessageReplyMarkup",
        "deleteMessage",
    )
)
# Telegram's wording for "nothing to do": the edit or delete already happened (or cannot).
GONE_MARKERS = (
    "message to delete not found",
    "message to edit not found",
    "message is not modified",
    "message can't be deleted",
    "message can't be edited",
)
Answer = tuple[int, bytes]


class AiohttpRequest(BaseRequest):
    """A `BaseRequest` over one aiohttp session with at most `connections` open at a time."""

    __slots__ = ("_budget", "_connections", "_proxies", "_session")

    def __init__(self, connections: int = 1, *, budget: SendBudget | None = None) -> None:
        self._connections = connections
        self._budget = budget
        self._session: aiohttp.ClientSession | None = None
        # (scheme, host) -> the outbound proxy for it, read from the environment once.
        self._proxies: dict[tuple[str, str], str | None] = {}

    @property
    def read_timeout(self) -> float:
        """The read timeout used when a call passes none (PTB adds it to long polling's)."""
        return DEFAULT_READ_TIMEOUT

    async def initialize(self) -> None:
        """Open the session (again, after a shutdown); needs the running event loop."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._connections),
                headers={"User-Agent": self.USER_AGENT},
                timeout=aiohttp.ClientTimeout(total=None),
                # The Bot API sets no cookies worth keeping; redirects are refused per call.
                cookie_jar=aiohttp.DummyCookieJar(),
            )

    async def shutdown(self) -> None:
        """Close the session and its connections."""
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(  # noqa: PLR0917 - PTB's signature
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        # PTB passes a float, None (no timeout) or BaseRequest.DEFAULT_NONE (its default).
        read_timeout: object = BaseRequest.DEFAULT_NONE,
        write_timeout: object = BaseRequest.DEFAULT_NONE,  # aiohttp has none; see above
        connect_timeout: object = BaseRequest.DEFAULT_NONE,
        pool_timeout: object = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Send one Bot API call; return Telegram's status code and body for PTB to parse."""
        chat_id = self._budgeted_chat(url, request_data)
        if chat_id is None:
            return await self._http(
                url, method, request_data, read_timeout, connect_timeout, pool_timeout
            )
        assert self._budget is not None

        async def attempt() -> Attempt[Answer]:
            try:
                answer = await self._http(
                    url, method, request_data, read_timeout, connect_timeout, pool_timeout
                )
            except NetworkError as exc:  # TimedOut included
                return Attempt(Outcome.TRANSIENT, error=exc)
            return classify(answer)

        return await self._budget.send(chat_id, attempt)

    def _budgeted_chat(self, url: str, request_data: RequestData | None) -> int | None:
        """The chat a message method writes to, when this call needs a permit; else None."""
        if self._budget is None or request_data is None or SendBudget.held():
            return None
        if url.rpartition("/")[2].lower() not in MESSAGE_METHODS:
            return None
        chat_id = request_data.parameters.get("chat_id")
        if isinstance(chat_id, int):
            return chat_id
        try:
            return int(chat_id) if isinstance(chat_id, str) else None
        except ValueError:  # a channel's @username: not a chat of residents; unpaced
            return None

    async def _http(  # noqa: PLR0917 - the timeouts of do_request
        self,
        url: str,
        method: str,
        request_data: RequestData | None,
        read_timeout: object,
        connect_timeout: object,
        pool_timeout: object,
    ) -> Answer:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data is not None and request_data.contains_files
        read = _seconds(read_timeout, MEDIA_READ_TIMEOUT if files else DEFAULT_READ_TIMEOUT)
        connect = _seconds(connect_timeout, DEFAULT_CONNECT_TIMEOUT)
        pool = _seconds(pool_timeout, DEFAULT_POOL_TIMEOUT)
        timeout = aiohttp.ClientTimeout(
            total=None,
            connect=None if connect is None or pool is None else connect + pool,
            sock_connect=connect,
            sock_read=read,
        )
        data, headers = _body(request_data)
        try:
            async with self._session.request(
                method,
                url,
                data=data,
                headers=headers,
                timeout=timeout,
                allow_redirects=False,
                proxy=self._proxy_for(url),
            ) as response:
                body = await response.read()
        except TimeoutError as exc:  # aiohttp's timeouts are TimeoutError subclasses
            raise TimedOut(f"Timed out ({type(exc).__name__})") from exc
        except aiohttp.ClientError as exc:
            # The URL holds the token, and some aiohttp errors quote it: never pass it on.
            raise NetworkError(f"aiohttp.{type(exc).__name__}: {_without(url, exc)}") from exc
        if log.isEnabledFor(logging.DEBUG):
            log.debug("HTTP Request: %s %s %d", method, redacted(url), response.status)
        return response.status, body

    def _proxy_for(self, url: str) -> str | None:
        """The outbound proxy from HTTPS_PROXY / HTTP_PROXY / NO_PROXY, as PTB's httpx backend
        reads them. Looked up once per host: aiohttp's own `trust_env` reads the environment
        for every request, which cost about a third more CPU per answer under load."""
        parts = urlsplit(url)
        key = (parts.scheme, parts.hostname or "")
        if key not in self._proxies:
            bypass = not key[1] or proxy_bypass(key[1])
            self._proxies[key] = None if bypass else getproxies().get(key[0])
        return self._proxies[key]


def _seconds(value: object, default: float) -> float | None:
    if value is BaseRequest.DEFAULT_NONE:
        return default
    return None if value is None else float(value)  # type: ignore[arg-type]


def classify(answer: Answer) -> Attempt[Answer]:
    """What a Bot API answer means for the send budget's retries."""
    status, body = answer
    if status < 300:
        return Attempt(Outcome.SENT, answer)
    detail = f"{status} {_description(body)}"
    if status == 429:
        return Attempt(Outcome.RATE_LIMITED, answer, retry_after=_retry_after(body), detail=detail)
    if status == 403:
        return Attempt(Outcome.BLOCKED, answer, detail=detail)
    if status >= 500:
        return Attempt(Outcome.TRANSIENT, answer, detail=detail)
    if status == 400 and any(marker in detail.lower() for marker in GONE_MARKERS):
        return Attempt(Outcome.SENT, answer)  # already as wanted: nothing was lost
    return Attempt(Outcome.REFUSED, answer, detail=detail)


def _description(body: bytes) -> str:
    """Telegram's `description` of an error (it never contains the token)."""
    try:
        return str(BaseRequest.parse_json_payload(body).get("description", ""))[:200]
    except (TelegramError, AttributeError):
        return ""


def _retry_after(body: bytes) -> float:
    """Telegram's `parameters.retry_after` (seconds), 1 when the answer does not say."""
    try:
        parameters = BaseRequest.parse_json_payload(body).get("parameters") or {}
        return float(parameters.get("retry_after", 1))
    except (TelegramError, TypeError, ValueError, AttributeError):
        return 1.0


def _body(request_data: RequestData | None) -> tuple[bytes | aiohttp.FormData | None, Headers]:
    """The call's parameters as aiohttp sends them: JSON, or multipart when files go along."""
    if request_data is None:
        return None, {}
    if not request_data.contains_files:
        return request_data.json_payload, _JSON
    form = aiohttp.FormData(request_data.json_parameters)
    for name, (filename, content, *mime) in request_data.multipart_data.items():
        form.add_field(name, content, filename=filename, content_type=mime[0] if mime else None)
    return form, {}


def redacted(url: str) -> str:
    """The URL with the token (the path segment after /bot or /file/bot) replaced by ***."""
    return _TOKEN_IN_PATH.sub(r"\1***", url)


def _without(url: str, exc: BaseException) -> str:
    return str(exc).replace(url, redacted(url))
