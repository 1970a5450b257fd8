"""Run the Bot API emulator standalone: `python -m tools.emulator --port 8081 --token T`."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys

from tools.emulator import DEFAULT_TOKEN, FAULT_KINDS, BotApiEmulator, FaultConfig


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line; every option mirrors a BotApiEmulator keyword."""
    parser = argparse.ArgumentParser(
        prog="python -m tools.emulator",
        description="Telegram Bot API emulator with a JSON control API under /_control/.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081, help="0 picks a free port")
    parser.add_argument("--token", default=DEFAULT_TOKEN, help="the only token accepted")
    parser.add_argument("--bot-username", default="omradesbot")
    # Telegram's limits unless told otherwise; 0 switches one off.
    parser.add_argument("--global-rate", type=float, default=30.0, help="sends/s before 429")
    parser.add_argument("--per-chat-rate", type=float, default=1.0, help="sends/s per chat")
    parser.add_argument("--group-rate", type=float, default=20.0, help="sends/min per group")
    parser.add_argument("--strict-chats", action="store_true", help="400 for unknown chats")
    parser.add_argument("--fault-rate", type=float, default=0.0, help="fraction of requests")
    parser.add_argument("--fault-seed", type=int, default=0)
    parser.add_argument(
        "--fault-kinds", default=",".join(FAULT_KINDS), help=f"comma list of {FAULT_KINDS}"
    )
    parser.add_argument("--fault-timeout-hold", type=float, default=30.0)
    return parser.parse_args(argv)


async def serve(args: argparse.Namespace) -> None:
    """Serve until SIGINT or SIGTERM."""
    kinds = tuple(k for k in args.fault_kinds.split(",") if k)
    unknown = [k for k in kinds if k not in FAULT_KINDS]
    if unknown:
        raise SystemExit(f"unknown fault kinds {unknown}; expected some of {FAULT_KINDS}")
    emulator = BotApiEmulator(
        args.token,
        bot_username=args.bot_username,
        host=args.host,
        port=args.port,
        global_rate=args.global_rate or None,
        per_chat_rate=args.per_chat_rate or None,
        group_rate=args.group_rate or None,
        strict_chats=args.strict_chats,
        faults=FaultConfig(
            rate=args.fault_rate,
            seed=args.fault_seed,
            kinds=kinds,
            timeout_hold=args.fault_timeout_hold,
        ),
    )
    await emulator.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    # A parent process waits for this line before starting the bot.
    print(f"EMULATOR READY {emulator.base_url} control={emulator.control_url}", flush=True)
    try:
        await stop.wait()
    finally:
        await emulator.stop()


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    asyncio.run(serve(parse_args(argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
