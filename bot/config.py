"""Settings read once from the environment (an injectable mapping), with the token masked."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.errors import ConfigError
from bot.parsing import parse_offset, whole_number

T = TypeVar("T")

# The one place the default time zone is named; everything else takes `Settings.timezone`.
DEFAULT_TIMEZONE = ZoneInfo("Europe/Stockholm")

_TOKEN_RE = re.compile(r"^\d+:[A-Za-z0-9_-]+$")
_WEBHOOK_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_LOG_FORMATS = ("text", "json")
_DATABASE_SCHEMES = ("sqlite", "postgresql", "postgres")
_DIGEST_RE = re.compile(r"^(mon|tue|wed|thu|fri|sat|sun)[a-z]*\s+(\d{1,2}):(\d{2})$")

BOTFATHER_HELP = (
    "TELEGRAM_BOT_TOKEN is not set. To get a token: open Telegram, talk to @BotFather, "
    "send /newbot, choose a name and a username ending in 'bot', and copy the token it "
    "gives you (it looks like 123456789:AAE...). Then run: export TELEGRAM_BOT_TOKEN='<token>'. "
    "Without a token, 'omradesbot chat' and 'omradesbot ask' still work."
)


class Secret:
    """A string that never shows itself in repr/str/logs; call `reveal()` where it is needed."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """Return the real value; only for handing it to the library that needs it."""
        return self._value

    def __str__(self) -> str:
        # A bot token's numeric prefix is the bot's public id, so it is safe and helps debugging.
        prefix, sep, _ = self._value.partition(":")
        return f"{prefix}:***" if sep and prefix.isdigit() else "***"

    def __repr__(self) -> str:
        return f"Secret('{self}')"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class DigestSchedule:
    """When the weekly digest goes to the staff: a weekday (0 = Monday) and a local time."""

    weekday: int
    at: dt.time

    def __str__(self) -> str:
        return f"{WEEKDAYS[self.weekday]} {self.at:%H:%M}"


@dataclass(frozen=True)
class Settings:
    """Every setting of the bot; build with `Settings.from_env()`."""

    telegram_token: Secret | None = None
    telegram_api_url: str = "https://api.telegram.org/bot"
    database_url: str = "sqlite:///data/omradesbot.db"
    staff_ids: frozenset[int] = frozenset()
    staff_chat_id: int | None = None
    content_dir: Path = Path("content")
    # Where the answering engine keeps its trained model between starts; None: nowhere.
    cache_dir: Path | None = None
    timezone: ZoneInfo = DEFAULT_TIMEZONE
    question_retention_days: int = 90
    flood_limit: int = 20
    send_rate: float = 30.0  # the whole bot, every process together: Telegram's ~30 a second
    # At most this much of send_rate goes to pushes (broadcasts, reminders, notices); None: all
    # that replies leave. Replies always come first either way.
    broadcast_rate: float | None = None
    misfire_grace: dt.timedelta = dt.timedelta(hours=6)
    remind_default: tuple[dt.timedelta, ...] = (dt.timedelta(days=7), dt.timedelta(days=1))
    webhook_url: str | None = None
    webhook_secret: Secret | None = None
    listen_host: str = "127.0.0.1"
    listen_port: int = 8080
    ticket_limit: int = 3
    failover_seconds: float = 15.0
    log_level: str = "INFO"
    log_format: str = "text"
    # The weekly digest to the staff (OMRADESBOT_DIGEST); None: off.
    digest: DigestSchedule | None = DigestSchedule(0, dt.time(8, 0))

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> Settings:
        """Read every setting from `environ`; raise ConfigError naming the first bad variable."""
        env = _Env(environ)
        host, port = env.get("OMRADESBOT_LISTEN", _listen, ("127.0.0.1", 8080))
        return cls(
            telegram_token=env.get("TELEGRAM_BOT_TOKEN", _token, None),
            telegram_api_url=env.get("TELEGRAM_API_URL", _http_url, cls.telegram_api_url),
            database_url=env.get("OMRADESBOT_DATABASE_URL", _database_url, cls.database_url),
            staff_ids=env.get("OMRADESBOT_STAFF_IDS", _id_list, frozenset()),
            staff_chat_id=env.get("OMRADESBOT_STAFF_CHAT_ID", _chat_id, None),
            content_dir=env.get("OMRADESBOT_CONTENT_DIR", Path, cls.content_dir),
            cache_dir=env.get("OMRADESBOT_CACHE_DIR", Path, _default_cache_dir(environ)),
            timezone=env.get("OMRADESBOT_TIMEZONE", _timezone, cls.timezone),
            question_retention_days=env.get(
                "OMRADESBOT_QUESTION_RETENTION_DAYS", _positive_int, cls.question_retention_days
            ),
            flood_limit=env.get("OMRADESBOT_FLOOD_LIMIT", _positive_int, cls.flood_limit),
            send_rate=env.get("OMRADESBOT_SEND_RATE", _positive_float, cls.send_rate),
            broadcast_rate=env.get("OMRADESBOT_BROADCAST_RATE", _positive_float, None),
            misfire_grace=env.get("OMRADESBOT_MISFIRE_GRACE", _duration, cls.misfire_grace),
            remind_default=env.get("OMRADESBOT_REMIND_DEFAULT", _durations, cls.remind_default),
            webhook_url=env.get("OMRADESBOT_WEBHOOK_URL", _https_url, None),
            webhook_secret=env.get("OMRADESBOT_WEBHOOK_SECRET", _webhook_secret, None),
            listen_host=host,
            listen_port=port,
            ticket_limit=env.get("OMRADESBOT_TICKET_LIMIT", _positive_int, cls.ticket_limit),
            failover_seconds=env.get(
                "OMRADESBOT_FAILOVER_SECONDS", _positive_float, cls.failover_seconds
            ),
            log_level=env.get("OMRADESBOT_LOG_LEVEL", _log_level, cls.log_level),
            log_format=env.get("OMRADESBOT_LOG_FORMAT", _log_format, cls.log_format),
            digest=env.get("OMRADESBOT_DIGEST", _digest, cls.digest),
        )

    @property
    def push_rate(self) -> float:
        """The most pushes a second: OMRADESBOT_BROADCAST_RATE within OMRADESBOT_SEND_RATE."""
        if self.broadcast_rate is None:
            return self.send_rate
        return min(self.broadcast_rate, self.send_rate)

    def require_token(self) -> Secret:
        """Return the bot token, or explain how to get one from BotFather."""
        if self.telegram_token is None:
            raise ConfigError(BOTFATHER_HELP)
        return self.telegram_token


def _default_cache_dir(environ: Mapping[str, str]) -> Path | None:
    """$XDG_CACHE_HOME/omradesbot, else ~/.cache/omradesbot; None without a home."""
    base = environ.get("XDG_CACHE_HOME", "").strip()
    if base:
        return Path(base) / "omradesbot"
    home = environ.get("HOME", "").strip()
    return Path(home) / ".cache" / "omradesbot" if home else None


class _Env:
    """Reads one variable at a time, turning a parse failure into a ConfigError naming it."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self._environ = environ

    def get(self, name: str, parse: Callable[[str], T], default: T) -> T:
        raw = self._environ.get(name, "").strip()
        if not raw:
            return default
        try:
            return parse(raw)
        except ValueError as exc:
            raise ConfigError(f"{name}: {exc}") from None


def _token(raw: str) -> Secret:
    if not _TOKEN_RE.match(raw):
        # Never echo the value: it may be a real token with a typo.
        raise ValueError(
            "expected a bot token from @BotFather like 123456789:AAE... (digits, a colon, "
            "then letters, digits, '_' or '-')"
        )
    return Secret(raw)


def _http_url(raw: str) -> str:
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(
            f"expected an http(s) URL that the token is appended to, like "
            f"https://api.telegram.org/bot, not {raw!r}"
        )
    return raw


def _https_url(raw: str) -> str:
    parts = urlsplit(raw)
    if parts.scheme != "https" or not parts.netloc:
        raise ValueError(
            f"expected an https:// URL (Telegram only calls https webhooks), not {raw!r}"
        )
    return raw


def _database_url(raw: str) -> str:
    scheme, sep, rest = raw.partition("://")
    if not sep or not rest or scheme.split("+")[0] not in _DATABASE_SCHEMES:
        raise ValueError(
            "expected a database URL like sqlite:///data/omradesbot.db or "
            "postgresql://user@host:5432/db"
        )
    return raw


def _int(raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"expected a whole number, not {raw!r}") from None


def _positive_int(raw: str) -> int:
    value = _int(raw)
    if value < 1:
        raise ValueError(f"expected a whole number of at least 1, not {raw!r}")
    return value


def _positive_float(raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"expected a number greater than 0, not {raw!r}") from None
    if not value > 0 or value == float("inf"):
        raise ValueError(f"expected a number greater than 0, not {raw!r}")
    return value


def _id_list(raw: str) -> frozenset[int]:
    ids: set[int] = set()
    for part in raw.split(","):
        item = part.strip()
        if not item:
            continue
        user_id = whole_number(item)
        if user_id is None or user_id < 1:
            raise ValueError(
                f"expected comma-separated Telegram user ids like 12345,67890; {item!r} is not one"
            )
        ids.add(user_id)
    return frozenset(ids)


def _chat_id(raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise ValueError(
            f"expected a Telegram chat id (a whole number, negative for groups), not {raw!r}"
        ) from None


def _timezone(raw: str) -> ZoneInfo:
    try:
        return ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"expected an IANA time zone like {DEFAULT_TIMEZONE.key}, not {raw!r}"
        ) from None


def _duration(raw: str) -> dt.timedelta:
    value = parse_offset(raw)
    if value is None:
        raise ValueError(f"expected a duration like 30m, 6h, 1d or 2w, not {raw!r}")
    return value


def _durations(raw: str) -> tuple[dt.timedelta, ...]:
    items = [part.strip() for part in raw.split(",") if part.strip()]
    offsets = [parse_offset(item) for item in items]
    if not offsets or any(o is None for o in offsets):
        raise ValueError(f"expected comma-separated durations like 7d,1d,2h,0m, not {raw!r}")
    return tuple(sorted((o for o in offsets if o is not None), reverse=True))


def _listen(raw: str) -> tuple[str, int]:
    host, sep, port = raw.rpartition(":")
    host = host.strip("[]")
    number = whole_number(port, max_digits=5)
    if not sep or not host or number is None or not 1 <= number <= 65535:
        raise ValueError(f"expected HOST:PORT like 127.0.0.1:8080, not {raw!r}")
    return host, number


def _webhook_secret(raw: str) -> Secret:
    if not _WEBHOOK_SECRET_RE.match(raw):
        raise ValueError("expected 1-256 characters of A-Z, a-z, 0-9, '_' or '-'")
    return Secret(raw)


def _log_level(raw: str) -> str:
    level = raw.upper()
    if level not in _LOG_LEVELS:
        raise ValueError(f"expected one of {', '.join(_LOG_LEVELS)}, not {raw!r}")
    return level


def _log_format(raw: str) -> str:
    value = raw.lower()
    if value not in _LOG_FORMATS:
        raise ValueError(f"expected one of {', '.join(_LOG_FORMATS)}, not {raw!r}")
    return value


def _digest(raw: str) -> DigestSchedule | None:
    value = " ".join(raw.lower().split())
    if value == "off":
        return None
    match = _DIGEST_RE.match(value)
    if match is None or int(match[2]) > 23 or int(match[3]) > 59:
        raise ValueError(
            f"expected a weekday and a local time like 'mon 08:00', or 'off', not {raw!r}"
        )
    return DigestSchedule(WEEKDAYS.index(match[1]), dt.time(int(match[2]), int(match[3])))
