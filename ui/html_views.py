"""HTML the pages draw with `st.html`, kept out of core (core holds no presentation) and out of pages/
(Streamlit could take a file there for a page).

Everything shown comes from athlete or coach text at some point (notes), so every piece is escaped
with `html.escape` before it meets markup, and `st.html` is used rather than `st.markdown`: no markdown
pass runs over the text, so backticks, `*`, `$` or `:material/…:` stay literal characters.
"""

from __future__ import annotations

import html
import itertools
import re

from core.tokens import DEFAULT_ENCODING, token_pieces

TOKEN_SHADES = ("#dbeafe", "#fde68a", "#bbf7d0", "#fbcfe8")
PANE_STYLE = (
    "font-family:'Source Code Pro',monospace;font-size:0.8em;line-height:1.6;white-space:pre;"
    "overflow:auto;border:1px solid rgba(49,51,63,0.2);border-radius:0.5rem;padding:0.75rem"
)


def pane_html(body_html: str, height: int) -> str:
    """An already-escaped body in a fixed-height, unwrapped, scrolling monospace box (like `st.code`)."""
    return f'<div style="{PANE_STYLE};height:{int(height)}px">{body_html}</div>'


def token_boundaries_html(text: str, encoding: str = DEFAULT_ENCODING, limit: int = 4000, height: int = 520) -> str:
    """The text with every token on an alternating background, like a tokenizer playground, unwrapped.

    Newlines are shown as ↵ and kept as line breaks; only the first `limit` tokens are drawn.
    """
    pieces = token_pieces(text, encoding)
    spans = [
        f'<span style="background:{TOKEN_SHADES[i % len(TOKEN_SHADES)]};color:#111">'
        f"{html.escape(piece).replace(chr(10), '↵' + chr(10))}</span>"
        for i, piece in enumerate(pieces[:limit])
    ]
    more = f"\n… {len(pieces) - limit:,} more tokens" if len(pieces) > limit else ""
    return pane_html("".join(spans) + html.escape(more), height)


# Where each format starts a session's record: (session line, week line or None, lines the record starts before it).
RECORD_STARTS: dict[str, tuple[re.Pattern[str], re.Pattern[str] | None, int]] = {
    "verbose": (re.compile(r"^--- Session \d+:"), re.compile(r"^=== WEEK "), 0),
    "compact": (re.compile(r"^S\d+:"), re.compile(r"^W\d+ "), 0),
    "ultra": (re.compile(r"^S\d+[: ]"), re.compile(r"^W\d+ "), 0),  # later weeks: "S1 C61 10 18:11"
    "json": (re.compile(r'^\s*"session_id": '), None, 1),  # the record starts at the object's "{" line
    "toon": (re.compile(r"^\s*(- )?session_id: "), None, 0),
}


def record_chunks(text: str, fmt: str) -> list[str]:
    """`text` cut before each session's record (a week's header goes with its first session), so that chunk k of
    every format is the same session; the first chunk is what comes before the first session. The chunks join
    back to exactly `text`."""
    session, week, back = RECORD_STARTS[fmt]
    lines = text.splitlines(keepends=True)
    starts, pending = [], None
    for i, line in enumerate(lines):
        if week is not None and week.match(line):
            pending = i
        elif session.match(line):
            starts.append(pending if pending is not None else max(i - back, 0))
            pending = None
    cuts = [0, *starts, len(lines)]  # the first chunk is empty when the text opens with a session
    return ["".join(lines[a:b]) for a, b in itertools.pairwise(cuts)]


def aligned_panes_html(left: list[str], right: list[str], heads: tuple[str, str], height: int = 520) -> str:
    """Two formats' record chunks side by side in one scrolling table, one row per record, so that a session on the
    left is always level with the same session on the right. Unwrapped monospace, like `st.code`."""
    rows = max(len(left), len(right))
    cell = "vertical-align:top;padding:0.25rem 0.75rem;border-bottom:1px solid rgba(49,51,63,0.1);white-space:pre"
    head = "".join(f'<th style="position:sticky;top:0;background:#fff;text-align:left;{cell}">{html.escape(h)}</th>'
                   for h in heads)  # fmt: skip
    body = "".join(
        f'<tr data-record="{i}">'
        + "".join(f'<td style="{cell}">{html.escape(side[i] if i < len(side) else "")}</td>' for side in (left, right))
        + "</tr>"
        for i in range(rows)
    )
    style = PANE_STYLE.replace("white-space:pre;", "").replace("padding:0.75rem", "padding:0")
    return (
        f'<div class="aligned-panes" style="{style};height:{int(height)}px">'
        f'<table style="border-collapse:collapse;width:100%"><thead><tr>{head}</tr></thead><tbody>{body}</tbody>'
        "</table></div>"
    )


def figures_html(figures: list[tuple[str, str]]) -> str:
    """Labelled figures, one per line, in the body font: lines wrap where a column is narrow, where an
    `st.metric` value would be cut with '…'."""
    lines = "".join(
        f'<div><span style="font-weight:600">{html.escape(label)}</span>&ensp;{html.escape(value)}</div>'
        for label, value in figures
    )
    return f'<div style="line-height:1.8">{lines}</div>'
