"""Free text inside model-facing text: the one escaping every renderer uses.

Quoted fields escape `\\`, `"` and every line break; bare fields also escape the
structural characters `| [ ] { } @ × "`; line breaks become `\\n` / `\\r`, other control
and line-separator characters and lone UTF-16 surrogates `\\uXXXX`. So no note or name can end
its field, open a new line, fake a record or make the text unencodable.

`lone_surrogate_at` is the one lone-surrogate check; `quote_short` is how a message echoes
untrusted text (an unknown field name, a rejected value): quoted and cut to a few dozen characters.
"""

from __future__ import annotations

import re
from typing import Any

from core.errors import NotationError

# ---------------------------------------------------------------- escaping

BARE_SPECIAL = frozenset('\\"|[]{}@×')
QUOTED_SPECIAL = frozenset('\\"')
LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
SHORT_QUOTE = 40  # characters of untrusted text a message echoes
# Python decodes a valid UTF-16 pair (from JSON's "\ud83d\ude00") to one character: any surrogate left is lone.
_SURROGATE = re.compile("[\ud800-\udfff]")


def lone_surrogate_at(text: str) -> int:
    """Index of the first lone UTF-16 surrogate in `text` (it cannot be encoded as UTF-8), or -1."""
    found = _SURROGATE.search(text)
    return -1 if found is None else found.start()


def has_lone_surrogate(value: Any) -> bool:
    """True when any key or string anywhere in `value` (decoded JSON) holds a lone surrogate; walked without
    recursion, so arguments nested a thousand deep cannot raise RecursionError here."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if lone_surrogate_at(item) >= 0:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def valid_text(text: str) -> str:
    """`text` with every lone UTF-16 surrogate replaced by U+FFFD, so it encodes as UTF-8 anywhere (a model's words
    are kept, not refused)."""
    return _SURROGATE.sub("\ufffd", text)


def escape_chars(text: str, special: frozenset[str]) -> str:
    out = []
    for ch in text:
        if ch in special:
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch in LINE_BREAKS or (ord(ch) < 32 and ch != "\t") or ord(ch) == 127 or _SURROGATE.match(ch):
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return "".join(out)


def escape_bare(text: str) -> str:
    """Escape text printed without quotes (a name, a phase, a |N: note)."""
    return escape_chars(text, BARE_SPECIAL)


def quote(text: str) -> str:
    """Text as a quoted field: `"..."` with `\\`, `"` and line breaks escaped."""
    return '"' + escape_chars(text, QUOTED_SPECIAL) + '"'


def quote_short(text: str, limit: int = SHORT_QUOTE) -> str:
    """`quote(text)` cut to its first `limit` characters, saying the full length: how a message echoes untrusted text."""
    if len(text) <= limit:
        return quote(text)
    return f"{quote(text[:limit])}... ({len(text)} characters)"


def unescape(text: str) -> str:
    """Undo `escape_bare` / the inside of `quote`."""
    out = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        if i + 1 >= len(text):
            raise NotationError(f"text {text!r}: ends with a lone backslash")
        nxt = text[i + 1]
        if nxt == "n":
            out.append("\n")
            i += 2
        elif nxt == "r":
            out.append("\r")
            i += 2
        elif nxt == "u":
            code = text[i + 2 : i + 6]
            if not re.fullmatch(r"[0-9a-f]{4}", code):
                raise NotationError(f"text {text!r}: \\u must be followed by 4 hex digits")
            out.append(chr(int(code, 16)))
            i += 6
        else:
            out.append(nxt)
            i += 2
    return "".join(out)


def find_unescaped(text: str, targets: str, start: int = 0) -> int:
    """Index of the first character of `targets` not escaped by a backslash, or -1."""
    i = start
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            i += 6 if text[i + 1 : i + 2] == "u" else 2
            continue
        if ch in targets:
            return i
        i += 1
    return -1


def split_unescaped(text: str, sep: str) -> list[str]:
    """Split on every unescaped `sep` character."""
    parts = []
    start = 0
    while (i := find_unescaped(text, sep, start)) != -1:
        parts.append(text[start:i])
        start = i + 1
    parts.append(text[start:])
    return parts


def read_quoted(text: str, pos: int) -> tuple[str, int]:
    """Read the quoted field starting at `text[pos] == '"'`; returns (value, index after the closing quote)."""
    if text[pos : pos + 1] != '"':
        raise NotationError(f"line {text!r}: expected a quoted field at column {pos}")
    end = find_unescaped(text, '"', pos + 1)
    if end == -1:
        raise NotationError(f"line {text!r}: quoted field never closed")
    return unescape(text[pos + 1 : end]), end + 1
