"""YAML that remembers where each mapping stood, so a problem can name the line of its entry."""

from __future__ import annotations

from typing import Any

import yaml


class LineMap(dict[Any, Any]):
    """A YAML mapping that knows the (1-based) line it starts on."""

    line: int = 0


class LineList(list[Any]):
    """A YAML sequence that knows the (1-based) line of each of its items."""

    lines: tuple[int, ...] = ()


# libyaml's parser where PyYAML was built with it (several times faster on content/examples/).
_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _LineLoader(_SafeLoader):  # type: ignore[misc,valid-type]
    """The safe loader, building LineMap for every mapping and LineList for every sequence."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineMap:
    mapping = LineMap(loader.construct_mapping(node, deep=True))
    mapping.line = node.start_mark.line + 1
    return mapping


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode) -> LineList:
    sequence = LineList(loader.construct_sequence(node, deep=True))
    sequence.lines = tuple(item.start_mark.line + 1 for item in node.value)
    return sequence


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def load_with_lines(text: str) -> Any:
    """Parse `text` like `yaml.safe_load`, every mapping a LineMap carrying its line."""
    return yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass


def item_line(sequence: object, index: int) -> str:
    """' (line N)' for item `index` of a LineList, '' for anything else."""
    if isinstance(sequence, LineList) and index < len(sequence.lines):
        return f" (line {sequence.lines[index]})"
    return ""


def line_of(item: object) -> str:
    """' (line N)' for a LineMap, '' for anything else: for problem messages."""
    return f" (line {item.line})" if isinstance(item, LineMap) and item.line else ""
