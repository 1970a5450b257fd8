"""YAML that remembers where each mapping stood, so a problem can name the line of its entry."""

from __future__ import annotations

from typing import Any

import yaml


class LineMap(dict[Any, Any]):
    """A YAML mapping that knows the (1-based) line it starts on."""

    line: int = 0


class _LineLoader(yaml.SafeLoader):
    """The safe loader, building LineMap for every mapping."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineMap:
    mapping = LineMap(loader.construct_mapping(node, deep=True))
    mapping.line = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_with_lines(text: str) -> Any:
    """Parse `text` like `yaml.safe_load`, every mapping a LineMap carrying its line."""
    return yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass


def line_of(item: object) -> str:
    """' (line N)' for a LineMap, '' for anything else: for problem messages."""
    return f" (line {item.line})" if isinstance(item, LineMap) and item.line else ""
