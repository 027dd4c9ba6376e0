"""core.quoting: the one lone-surrogate check, short quoting of untrusted text, and escaping that survives both."""

from __future__ import annotations

import pytest

from core.quoting import lone_surrogate_at, quote, quote_short, read_quoted


@pytest.mark.parametrize(
    ("text", "index"),
    [("plain", -1), ("😀 paired", -1), ("ab\ud800", 2), ("\udfffx", 0), ("x\ud83d\ude00", 1)],
)
def test_lone_surrogate_at_finds_the_first_one(text, index):
    """Given text with and without lone surrogates, when checked, then the first one's index (or -1) comes back."""
    assert lone_surrogate_at(text) == index


def test_a_lone_surrogate_is_escaped_so_quoted_text_always_encodes_and_reads_back():
    """Given a lone surrogate in a note, when quoted, then the field is valid UTF-8 and reads back to the same text."""
    text = 'note \ud800 "x"\nnext'
    field = quote(text)
    field.encode("utf-8")  # would raise UnicodeEncodeError if the surrogate were left raw
    assert "\\ud800" in field and "\n" not in field
    assert read_quoted(field, 0) == (text, len(field))


def test_quote_short_cuts_long_text_and_says_its_length():
    """Given 19,000 characters with a newline at the start, when quoted short, then 40 escaped characters and the length."""
    shown = quote_short("\n" + "k" * 18_999)
    assert shown == '"\\n' + "k" * 39 + '"... (19000 characters)'
    assert quote_short("days") == '"days"'
