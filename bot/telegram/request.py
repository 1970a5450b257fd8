"""PTB's Bot API requests over aiohttp: the same calls as PTB's httpx backend, for less CPU.

Under load (a broadcast draining while residents ask) the bot spent about half its CPU inside
httpx and httpcore, most of it in httpcore's connection-pool bookkeeping. aiohttp's client
(parser and pool in C) does the same HTTP/1.1 keep-alive requests for a fraction of that
(docs/reliability.md has the figures). PTB documents `BaseRequest` as the seam for this; its
contrib repository has an aiohttp backend too, but it is not published on PyPI.

Timeouts keep PTB's meaning: `connect_timeout` to open a connection, `pool_timeout` to wait for a
free one, `read_timeout` between bytes of the answer (long polling passes its own). aiohttp has no
separate write timeout: a write that stalls ends at the read timeout, which follows it.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import urlsplit
from urllib.request import getproxies, proxy_bypass

import aiohttp
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

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


class AiohttpRequest(BaseRequest):
    """A `BaseRequest` over one aiohttp session with at most `connections` open at a time."""

    __slots__ = ("_connections", "_proxies", "_session")

    def __init__(self, connections: int = 1) -> None:
        self._connections = connections
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
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,  # aiohttp has none; see above
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Send one Bot API call; return Telegram's status code and body for PTB to parse."""
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


def _seconds(value: ODVInput[float], default: float) -> float | None:
    return default if value is BaseRequest.DEFAULT_NONE else value  # type: ignore[return-value]


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
