"""Telegram's parse modes and text limits, checked the way the Bot API checks them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

MAX_TEXT_UTF16 = 4096
MAX_CAPTION_UTF16 = 1024

_HTML_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_HTML_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY_RE = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]{1,10});")
_ATTR_RE = re.compile(r"""\s*([a-zA-Z_-]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s"'>]+))?""")

_MDV2_RESERVED = frozenset("_*[]()~`>#+-=|{}.!")
_MDV2_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "text_link": "TextUrl",
}


class MarkupError(ValueError):
    """Text the Bot API would refuse; `str()` is the part after "Bad Request: "."""


@dataclass
class ParsedText:
    """Plain text after entity parsing and the entities found in it (UTF-16 offsets)."""

    text: str
    entities: list[dict[str, Any]] = field(default_factory=list)

    @property
    def length(self) -> int:
        """Length as Telegram counts it: UTF-16 code units."""
        return utf16_len(self.text)


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram's offsets and limits."""
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


class _Builder:
    """Accumulates output text and open/closed entities with UTF-16 offsets."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.offset = 0
        self.entities: list[dict[str, Any]] = []

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.offset += utf16_len(text)

    def close(self, kind: str, start: int, **extra: Any) -> None:
        # Telegram silently drops entities that cover nothing.
        if self.offset > start:
            self.entities.append({"type": kind, "offset": start, "length": self.offset - start})
            self.entities[-1].update({k: v for k, v in extra.items() if v is not None})

    def result(self) -> ParsedText:
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return ParsedText("".join(self.parts), self.entities)


def _decode_html_entities(text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name.startswith(("#x", "#X")):
            code = int(name[2:], 16)
        elif name.startswith("#"):
            code = int(name[1:])
        elif name in _HTML_ENTITIES:
            return _HTML_ENTITIES[name]
        else:
            return match.group(0)
        return chr(code) if 0 < code <= 0x10FFFF else match.group(0)

    return _ENTITY_RE.sub(replace, text)


def parse_html(source: str) -> ParsedText:
    """Parse Telegram's HTML subset; raise MarkupError where Telegram would."""
    out = _Builder()
    stack: list[tuple[str, int, dict[str, str]]] = []
    i = 0
    n = len(source)
    while i < n:
        char = source[i]
        if char == "&":
            match = _ENTITY_RE.match(source, i)
            if match:
                out.add(_decode_html_entities(match.group(0)))
                i = match.end()
                continue
            out.add("&")
            i += 1
            continue
        if char != "<":
            j = i
            while j < n and source[j] not in "<&":
                j += 1
            out.add(source[i:j])
            i = j
            continue
        end = source.find(">", i)
        at = _byte_offset(source, i)
        if source.startswith("</", i):
            if end == -1:
                raise MarkupError(f"can't parse entities: Unclosed end tag at byte offset {at}")
            name = source[i + 2 : end].strip().lower()
            if not stack:
                raise MarkupError(f"can't parse entities: Unexpected end tag at byte offset {at}")
            open_name, start, open_attrs = stack.pop()
            if name != open_name:
                raise MarkupError(
                    f"can't parse entities: Unmatched end tag at byte offset {at}, expected \"</"
                    f'{open_name}>", found "</{name}>"'
                )
            _close_html(out, open_name, start, open_attrs, stack)
            i = end + 1
            continue
        # Like tdlib: the tag name runs to whitespace or ">"; running off the end is "unclosed".
        j = i + 1
        while j < n and not source[j].isspace() and source[j] != ">":
            j += 1
        if j >= n:
            raise MarkupError(f"can't parse entities: Unclosed start tag at byte offset {at}")
        name = source[i + 1 : j].rstrip("/").lower()
        if name not in _HTML_TAGS:
            raise MarkupError(
                f'can\'t parse entities: Unsupported start tag "{name}" at byte offset {at}'
            )
        if end == -1:
            raise MarkupError(f"can't parse entities: Unclosed start tag at byte offset {at}")
        inner = source[i + 1 : end].rstrip("/")
        attrs: dict[str, str] = {}
        for attr in _ATTR_RE.finditer(inner, len(name)):
            if attr.group(1):
                value = attr.group(2) or ""
                if value[:1] in {'"', "'"}:
                    value = value[1:-1]
                attrs[attr.group(1).lower()] = _decode_html_entities(value)
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise MarkupError(
                f'can\'t parse entities: Tag "span" must have class "tg-spoiler" at byte offset '
                f"{at}"
            )
        if name == "tg-emoji" and "emoji-id" not in attrs:
            raise MarkupError(
                f'can\'t parse entities: Tag "tg-emoji" must have attribute "emoji-id" at byte '
                f"offset {at}"
            )
        stack.append((name, out.offset, attrs))
        i = end + 1
    if stack:
        raise MarkupError(
            "can't parse entities: Can't find end tag corresponding to start tag "
            f'"{stack[-1][0]}"'
        )
    return out.result()


def _close_html(
    out: _Builder,
    name: str,
    start: int,
    attrs: dict[str, str],
    stack: list[tuple[str, int, dict[str, str]]],
) -> None:
    kind = _HTML_TAGS[name]
    if kind == "text_link":
        href = attrs.get("href")
        if href:
            out.close("text_link", start, url=href)
        return
    if kind == "code" and stack and stack[-1][0] == "pre":
        # <pre><code class="language-x"> is how Telegram spells a pre block with a language.
        language = attrs.get("class", "").removeprefix("language-") or None
        stack[-1][2].setdefault("language", language or "")
        return
    if kind == "pre":
        out.close("pre", start, language=attrs.get("language") or None)
        return
    if kind == "blockquote" and "expandable" in attrs:
        out.close("expandable_blockquote", start)
        return
    if kind == "custom_emoji":
        out.close("custom_emoji", start, custom_emoji_id=attrs.get("emoji-id"))
        return
    out.close(kind, start)


def parse_markdown_v2(source: str) -> ParsedText:
    """Parse MarkdownV2; unescaped reserved characters and unclosed entities are errors."""
    out = _Builder()
    stack: list[tuple[str, int, int]] = []  # (kind, utf16 start, byte offset of opener)
    i = 0
    n = len(source)
    line_start = True
    while i < n:
        char = source[i]
        at = _byte_offset(source, i)
        if char == "\\":
            if i + 1 < n and 0 < ord(source[i + 1]) <= 126:
                out.add(source[i + 1])
                i += 2
            else:
                out.add("\\")
                i += 1
            line_start = False
            continue
        if char == "`":
            i = _mdv2_code(source, i, out)
            line_start = False
            continue
        if char == ">" and line_start:
            j = source.find("\n", i)
            j = n if j == -1 else j
            start = out.offset
            inner = parse_markdown_v2(source[i + 1 : j])
            for entity in inner.entities:
                out.entities.append({**entity, "offset": entity["offset"] + start})
            out.add(inner.text)
            out.close("blockquote", start)
            i = j
            continue
        kind: str | None = None
        width = 1
        if char == "*":
            kind = "bold"
        elif char == "_":
            if source.startswith("__", i):
                kind, width = "underline", 2
            else:
                kind = "italic"
        elif char == "~":
            kind = "strikethrough"
        elif char == "|" and source.startswith("||", i):
            kind, width = "spoiler", 2
        if kind is not None:
            open_kinds = [entry[0] for entry in stack]
            if kind in open_kinds:
                if stack[-1][0] != kind:
                    inner_kind, _, inner_at = stack[-1]
                    raise MarkupError(
                        f"can't parse entities: Can't find end of {_MDV2_NAMES[inner_kind]} "
                        f"entity at byte offset {inner_at}"
                    )
                _, start, _ = stack.pop()
                out.close(kind, start)
            else:
                stack.append((kind, out.offset, at))
            i += width
            line_start = False
            continue
        if char == "[":
            stack.append(("text_link", out.offset, at))
            i += 1
            line_start = False
            continue
        if char == "]" and stack and stack[-1][0] == "text_link":
            if not source.startswith("(", i + 1):
                raise MarkupError(
                    "can't parse entities: Character ']' is reserved and must be escaped with the "
                    "preceding '\\'"
                )
            url, i = _mdv2_url(source, i + 2, at)
            _, start, _ = stack.pop()
            out.close("text_link", start, url=url)
            line_start = False
            continue
        if char in _MDV2_RESERVED:
            raise MarkupError(
                f"can't parse entities: Character '{char}' is reserved and must be escaped with "
                "the preceding '\\'"
            )
        out.add(char)
        line_start = char == "\n"
        i += 1
    if stack:
        kind, _, at = stack[-1]
        raise MarkupError(
            f"can't parse entities: Can't find end of {_MDV2_NAMES[kind]} entity at byte offset "
            f"{at}"
        )
    return out.result()


def _mdv2_code(source: str, i: int, out: _Builder) -> int:
    at = _byte_offset(source, i)
    pre = source.startswith("```", i)
    j = i + (3 if pre else 1)
    language: str | None = None
    if pre:
        newline = source.find("\n", j)
        head = source[j:newline] if newline != -1 else ""
        if newline != -1 and head and " " not in head and "`" not in head:
            language = head
            j = newline + 1
    chars: list[str] = []
    closer = "```" if pre else "`"
    while j < len(source):
        if source[j] == "\\" and j + 1 < len(source) and source[j + 1] in "`\\":
            chars.append(source[j + 1])
            j += 2
            continue
        if source.startswith(closer, j):
            start = out.offset
            out.add("".join(chars))
            if pre:
                out.close("pre", start, language=language)
            else:
                out.close("code", start)
            return j + len(closer)
        chars.append(source[j])
        j += 1
    name = "Pre" if pre else "Code"
    raise MarkupError(f"can't parse entities: Can't find end of {name} entity at byte offset {at}")


def _mdv2_url(source: str, j: int, at: int) -> tuple[str, int]:
    chars: list[str] = []
    while j < len(source):
        if source[j] == "\\" and j + 1 < len(source):
            chars.append(source[j + 1])
            j += 2
            continue
        if source[j] == ")":
            return "".join(chars), j + 1
        chars.append(source[j])
        j += 1
    raise MarkupError(f"can't parse entities: Can't find end of a url at byte offset {at}")


def parse_markdown(source: str) -> ParsedText:
    """Parse the legacy Markdown mode: *bold*, _italic_, `code`, ```pre```, [text](url)."""
    out = _Builder()
    i = 0
    n = len(source)
    delimiters = {"*": "bold", "_": "italic"}
    while i < n:
        char = source[i]
        at = _byte_offset(source, i)
        if char == "\\" and i + 1 < n and source[i + 1] in "_*`[":
            out.add(source[i + 1])
            i += 2
            continue
        if char in delimiters or char == "`":
            closer = "```" if source.startswith("```", i) else char
            end = source.find(closer, i + len(closer))
            if end == -1:
                raise MarkupError(
                    "can't parse entities: Can't find end of the entity starting at byte offset "
                    f"{at}"
                )
            start = out.offset
            out.add(source[i + len(closer) : end])
            kind = "pre" if closer == "```" else delimiters.get(char, "code")
            out.close(kind, start)
            i = end + len(closer)
            continue
        if char == "[":
            close = source.find("](", i)
            end = source.find(")", close + 2) if close != -1 else -1
            if close == -1 or end == -1:
                raise MarkupError(
                    "can't parse entities: Can't find end of the entity starting at byte offset "
                    f"{at}"
                )
            start = out.offset
            out.add(source[i + 1 : close])
            out.close("text_link", start, url=source[close + 2 : end])
            i = end + 1
            continue
        out.add(char)
        i += 1
    return out.result()


def parse_text(text: str, parse_mode: str | None) -> ParsedText:
    """Apply `parse_mode` as the Bot API does; raise MarkupError with Telegram's wording."""
    if not parse_mode:
        return ParsedText(text)
    mode = parse_mode.lower()
    if mode == "html":
        return parse_html(text)
    if mode == "markdownv2":
        return parse_markdown_v2(text)
    if mode == "markdown":
        return parse_markdown(text)
    raise MarkupError(f"unsupported parse_mode {parse_mode!r}")
