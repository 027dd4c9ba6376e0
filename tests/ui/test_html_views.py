"""ui/html_views.py: the token view escapes every piece and keeps lines unwrapped."""

from __future__ import annotations

import html
import re

from core.tokens import token_pieces
from ui.html_views import token_boundaries_html

NOTE = 'Squat 5×5 "felt <b>heavy</b>" `tick` **bold**\nnext line'


def _shown(markup: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", markup))


def test_token_view_escapes_markup_and_shows_the_text_back() -> None:
    """Given text with tags, quotes and backticks, the HTML has no tag from the text and reads back as the text,
    with ↵ before each line break."""
    markup = token_boundaries_html(NOTE)
    assert set(re.findall(r"</?(\w+)", markup)) == {"div", "span"}
    assert _shown(markup) == NOTE.replace("\n", "↵\n")


def test_token_view_draws_one_span_per_token_in_an_unwrapped_pane() -> None:
    """Each token is one span; the pane keeps lines unwrapped and scrolls."""
    markup = token_boundaries_html(NOTE, height=300)
    assert markup.count("<span") == len(token_pieces(NOTE))
    assert "white-space:pre;" in markup and "overflow:auto" in markup and "height:300px" in markup


def test_token_view_stops_at_the_limit_and_says_how_many_are_left() -> None:
    """Past `limit` tokens the view stops and names the rest."""
    markup = token_boundaries_html(NOTE, limit=3)
    assert markup.count("<span") == 3
    assert f"… {len(token_pieces(NOTE)) - 3:,} more tokens" in _shown(markup)
