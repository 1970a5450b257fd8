"""What every benchmark shares: paths, percentiles, subprocesses (emulator, bots) and their RSS."""

from __future__ import annotations

import asyncio
import contextlib
import os
import platform
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tools.emulator.client import EmulatorClient

ROOT = Path(__file__).resolve().parents[1]
PYTHON = Path(sys.executable)
OMRADESBOT = PYTHON.with_name("omradesbot")
TOKEN = "5151515151:AAE-bench-token_not-a-real-one"
CONTENT_DIR = ROOT / "content"


def percentile(values: Sequence[float], share: float) -> float:
    """The `share` (0..1) percentile by nearest rank; the figures here need no interpolation."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))
    return ordered[rank]


def median(values: Sequence[float]) -> float:
    """The median, NaN for no values (a section that could not run)."""
    return statistics.median(values) if values else float("nan")


def peak_rss_kib(pid: int) -> int:
    """VmHWM of a live process: the most resident memory it ever had, in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmHWM for process {pid}")


def machine() -> dict[str, str]:
    """Where the figures were measured: they only compare within one run on one machine."""
    from importlib.metadata import version  # noqa: PLC0415

    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    packages = ("python-telegram-bot", "SQLAlchemy", "aiosqlite", "asyncpg", "rapidfuzz")
    packages += ("scikit-learn", "numpy", "matplotlib", "aiohttp")
    return {
        "nproc": str(os.cpu_count()),
        "cpu": cpu,
        "python": platform.python_version(),
        "os": platform.platform(),
        "versions": ", ".join(f"{p} {version(p)}" for p in packages),
    }


def bench_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for a bot subprocess: ours, without settings a developer may have set."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OMRADESBOT_", "TELEGRAM_"))}
    env["PYTHONPATH"] = str(ROOT)
    env["PTB_TIMEDELTA"] = "1"
    env.update(extra or {})
    return env


@dataclass
class Emulator:
    """A standalone Bot API emulator process and its control client."""

    process: asyncio.subprocess.Process
    base_url: str
    control: EmulatorClient

    async def send_log(self) -> list[dict[str, Any]]:
        """Every sendMessage/sendPhoto/sendDocument attempt, with the emulator's monotonic time."""
        result: list[dict[str, Any]] = await self.control.call("send_log")
        return result

    async def request_log(self) -> list[dict[str, Any]]:
        """Every Bot API call, with the emulator's monotonic time."""
        result: list[dict[str, Any]] = await self.control.call("request_log")
        return result

    async def first_poll_at(self, *, within: float) -> float:
        """The monotonic time of the first getUpdates the emulator saw (waits for one)."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            for record in await self.request_log():
                if record["method"].lower() == "getupdates":
                    return float(record["at"])
            await asyncio.sleep(0.01)
        raise TimeoutError(f"no getUpdates within {within} s")


@asynccontextmanager
async def running_emulator(*options: str) -> AsyncIterator[Emulator]:
    """`python -m tools.emulator` on a free port, in its own process so it has its own core."""
    process = await asyncio.create_subprocess_exec(
        str(PYTHON),
        "-m",
        "tools.emulator",
        "--port",
        "0",
        "--token",
        TOKEN,
        *options,
        cwd=ROOT,
        env=bench_env(),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    assert process.stdout is not None
    try:
        line = (await asyncio.wait_for(process.stdout.readline(), 30)).decode()
        if not line.startswith("EMULATOR READY"):
            raise RuntimeError(f"emulator did not start: {line!r}")
        base_url = line.split()[2]
        async with EmulatorClient(base_url) as control:
            yield Emulator(process, base_url, control)
    finally:
        await stop_process(process)


@dataclass
class BotProcess:
    """A bot running as its own process, so its memory and CPU are its own."""

    process: asyncio.subprocess.Process
    started_at: float
    log: Path

    @property
    def pid(self) -> int:
        """The process id (the interpreter itself: console scripts exec Python)."""
        return self.process.pid

    def peak_rss_kib(self) -> int:
        """VmHWM while it still runs."""
        return peak_rss_kib(self.pid)

    def log_tail(self, size: int = 3000) -> str:
        """The end of what it logged, for an error message."""
        return self.log.read_text(errors="replace")[-size:] if self.log.exists() else ""


async def start_bot(command: Sequence[str], env: Mapping[str, str], cwd: Path) -> BotProcess:
    """Start a bot logging to a file in `cwd` (a pipe nobody reads would block it when full)."""
    log = cwd / f"bot-{time.monotonic_ns()}.log"
    started_at = time.monotonic()
    with log.open("wb") as output:
        process = await asyncio.create_subprocess_exec(
            *command,
            cwd=cwd,
            env=dict(env),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=output,
        )
    return BotProcess(process, started_at, log)


async def stop_process(process: asyncio.subprocess.Process, grace: float = 20.0) -> None:
    """SIGTERM, wait, SIGKILL if it hangs."""
    if process.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(process.wait(), grace)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()


def wall_time(command: Sequence[str], env: Mapping[str, str], cwd: Path) -> float:
    """Seconds a command takes from spawn to exit; it must succeed."""
    started = time.perf_counter()
    subprocess.run(list(command), cwd=cwd, env=dict(env), check=True, capture_output=True)
    return time.perf_counter() - started


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time a live process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks
