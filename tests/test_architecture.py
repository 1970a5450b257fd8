"""The house's dependency rules, checked on the source: one direction, no cycles, no PTB internals.

transport (bot/telegram, bot/cli, bot/terminal) -> core -> storage; the core never imports
`telegram` or `scheduler`; `scheduler` (delivery) is driven by the core through a port and never
imports the core back; shared value types live in bot/domain.py. The composition root
(bot/bootstrap.py) is the one module that may see every layer.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "scheduler")

# What the bot does, without Telegram types or the delivery machinery.
CORE = ("bot.core", "bot.content.suggestions")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {
        module_name(path): path
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        if "migrations" not in path.parts
    }


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports(path: Path, *, functions: bool = True) -> Iterator[tuple[str, int]]:
    """(imported module, line) for every import in `path`, TYPE_CHECKING ones included; with
    `functions=False`, not those inside functions (lazy imports, which run only when called)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module_name(path).rsplit(".", 1)[0] if path.name != "__init__.py" else None

    def walk(nodes: list[ast.stmt]) -> Iterator[tuple[str, int]]:
        for node in nodes:
            if isinstance(node, ast.Import):
                yield from ((alias.name, node.lineno) for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level and package is not None:
                    prefix = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                    base = f"{prefix}.{base}" if base else prefix
                yield base, node.lineno
                # `from bot import dialogue` imports the module bot.core.dialogue
                yield from ((f"{base}.{alias.name}", node.lineno) for alias in node.names)
            elif isinstance(node, ast.If) and _is_type_checking(node):
                yield from walk(node.body)
                yield from walk(node.orelse)
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                if functions:
                    yield from walk(node.body)
            elif isinstance(node, ast.ClassDef | ast.If | ast.Try | ast.With):
                for field in ("body", "orelse", "finalbody", "handlers"):
                    for child in getattr(node, field, []):
                        if isinstance(child, ast.ExceptHandler):
                            yield from walk(child.body)
                        elif isinstance(child, ast.stmt):
                            yield from walk([child])

    yield from walk(tree.body)


def within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def violations(sources: tuple[str, ...], forbidden: tuple[str, ...]) -> list[str]:
    return [
        f"{name} (line {line}) imports {target}"
        for name, path in modules().items()
        if within(name, sources)
        for target, line in imports(path)
        if within(target, forbidden)
    ]


def test_the_core_never_imports_telegram_or_the_scheduler() -> None:
    assert violations(CORE, ("telegram", "scheduler", "bot.telegram", "bot.bootstrap")) == []


def test_the_scheduler_never_imports_the_core_or_telegram() -> None:
    forbidden = (*CORE, "telegram", "bot.telegram", "bot.bootstrap", "bot.services", "bot.cli")
    assert violations(("scheduler",), forbidden) == []


def test_storage_and_domain_import_nothing_above_them() -> None:
    above = (*CORE, "telegram", "scheduler", "bot.telegram", "bot.services", "bot.bootstrap")
    assert violations(("bot.storage", "bot.domain", "bot.content", "bot.matching"), above) == []


def test_no_module_imports_a_private_python_telegram_bot_module() -> None:
    private = [
        f"{name} (line {line}) imports {target}"
        for name, path in modules().items()
        for target, line in imports(path)
        if target.split(".")[0] == "telegram" and any(p.startswith("_") for p in target.split("."))
    ]
    assert private == []


def test_no_import_cycle() -> None:
    """No cycle among module-level imports, TYPE_CHECKING ones included: a cycle there is a knot
    in the design even when Python does not trip over it. (Lazy imports inside functions, how
    the CLI stays fast, run only when called.)"""
    known = modules()
    graph = {
        name: sorted({t for t, _ in imports(path, functions=False) if t in known and t != name})
        for name, path in known.items()
    }
    cycles: list[list[str]] = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for target in graph[node]:
            if state.get(target) == 1:
                cycles.append([*stack[stack.index(target) :], target])
            elif target not in state:
                visit(target)
        stack.pop()
        state[node] = 2

    for name in graph:
        if name not in state:
            visit(name)
    assert cycles == []


@pytest.mark.parametrize("package", PACKAGES)
def test_the_checker_sees_imports(package: str) -> None:
    """The rules above would pass on an empty tree: make sure the walker finds imports."""
    found = [t for path in (ROOT / package).rglob("*.py") for t, _ in imports(path)]
    assert any(t.startswith("bot.") for t in found)


def test_the_text_registry_knows_every_command_description() -> None:
    from bot.content.texts import REQUIRED_TEXTS  # noqa: PLC0415
    from bot.core.dialogue import COMMANDS  # noqa: PLC0415

    keys = {key for part in REQUIRED_TEXTS.values() for key in part}
    assert {c.description_key for c in COMMANDS} <= keys


def test_the_core_writes_no_sql() -> None:
    """Queries live in bot/storage; the core holds sessions (a unit of work) and catches errors."""
    allowed = ("sqlalchemy.ext.asyncio", "sqlalchemy.exc")
    sql = [
        v
        for v in violations(CORE, ("sqlalchemy",))
        if not any(v.endswith(f"imports {a}") or f"imports {a}." in v for a in allowed)
    ]
    assert sql == []
