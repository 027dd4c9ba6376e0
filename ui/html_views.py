"""HTML the pages draw with `st.html`, kept out of core (core holds no presentation) and out of pages/
(Streamlit could take a file there for a page).

Everything shown comes from athlete or coach text at some point (notes), so every piece is escaped
with `html.escape` before it meets markup, and `st.html` is used rather than `st.markdown`: no markdown
pass runs over the text, so backticks, `*`, `$` or `:material/…:` stay literal characters.
"""

from __future__ import annotations

import html

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
