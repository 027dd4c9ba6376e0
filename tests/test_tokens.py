"""core.tokens: exact counts from the official encodings, loaded offline and verified."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys

import pytest

from core.db.connection import PROJECT_ROOT
from core.errors import TokenizerError
from core.tokens import CACHE_DIR, count_tokens, encoding_source, get_encoding, token_pieces

# Published examples: OpenAI cookbook "How to count tokens with tiktoken" and tiktoken's README.
PUBLISHED = [
    ("o200k_base", "tiktoken is great!", [83, 8251, 2488, 382, 2212, 0]),
    ("cl100k_base", "tiktoken is great!", [83, 1609, 5963, 374, 2294, 0]),
    ("cl100k_base", "Large language models predict the next token.", [35353, 4221, 4211, 7168, 279, 1828, 4037, 13]),
    ("o200k_base", "I can do this all day", [40, 665, 621, 495, 722, 2163]),
]


@pytest.mark.parametrize(("encoding", "text", "ids"), PUBLISHED)
def test_token_ids_match_published_values(encoding: str, text: str, ids: list[int]) -> None:
    """Given a published example, the encoding yields exactly its token ids and count."""
    assert get_encoding(encoding).encode(text) == ids
    assert count_tokens(text, encoding) == len(ids)


def test_cache_file_is_the_verified_official_file() -> None:
    """The seeded cache file carries tiktoken's expected SHA-256 under tiktoken's SHA-1 cache key."""
    for name in ("o200k_base", "cl100k_base"):
        get_encoding(name)
        source = encoding_source(name)
        cached = CACHE_DIR / hashlib.sha1(source.url.encode()).hexdigest()
        assert hashlib.sha256(cached.read_bytes()).hexdigest() == source.sha256


def test_unknown_encoding_names_the_valid_ones() -> None:
    """Given an unknown encoding, the error lists o200k_base and cl100k_base."""
    with pytest.raises(TokenizerError, match="o200k_base, cl100k_base"):
        count_tokens("x", "p50k_base")


def test_token_pieces_rebuild_the_text() -> None:
    """Token pieces concatenate back to the original text (ASCII)."""
    text = "E1:Bench Press 3×8-10@225lbs [3/3]"
    pieces = token_pieces(text.replace("×", "x"))
    assert "".join(pieces) == text.replace("×", "x")
    assert len(pieces) == count_tokens(text.replace("×", "x"))


@pytest.mark.slow  # starts `python -m core` in a subprocess
def test_cli_tokens_json_and_unknown_encoding() -> None:
    """The CLI prints exact counts as JSON and refuses unknown encodings naming valid ones."""
    ok = subprocess.run(
        [sys.executable, "-m", "core", "tokens", "tiktoken is great!", "--json"],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
    )
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["tokens"] == 6
    bad = subprocess.run(
        [sys.executable, "-m", "core", "tokens", "hi", "--encoding", "gpt2"],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
    )
    assert bad.returncode == 1 and "o200k_base, cl100k_base" in bad.stderr


def test_tampered_encoding_file_is_refused(tmp_path) -> None:
    """Given an encoding file whose SHA-256 differs from tiktoken's, loading fails loudly."""
    import gzip

    from core.tokens import verified_encoding_bytes

    fake = tmp_path / "o200k_base.tiktoken.gz"
    fake.write_bytes(gzip.compress(b"dGVzdA== 0\n"))
    with pytest.raises(TokenizerError, match="tiktoken expects"):
        verified_encoding_bytes("o200k_base", fake)
    with pytest.raises(TokenizerError, match="cannot read"):
        verified_encoding_bytes("o200k_base", tmp_path / "missing.gz")


def test_corrupted_cache_file_is_replaced_by_the_verified_one(tmp_path) -> None:
    """Given a corrupted cache entry, seeding rewrites it with the verified official file."""
    from core.tokens import seed_cache

    first = seed_cache("cl100k_base", tmp_path)
    first.write_bytes(b"corrupted")
    again = seed_cache("cl100k_base", tmp_path)
    assert hashlib.sha256(again.read_bytes()).hexdigest() == encoding_source("cl100k_base").sha256
