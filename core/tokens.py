"""Exact token counts with tiktoken, loaded offline.

tiktoken normally downloads its encoding files on first use; these machines have
no internet. The official files ship gzipped inside the `bpe-openai` wheel. We
check each against the SHA-256 that tiktoken's own `tiktoken_ext/openai_public.py`
expects, then seed `TIKTOKEN_CACHE_DIR` under the cache-key tiktoken uses (the
SHA-1 hex digest of the file's URL). If anything is missing or differs we raise:
a token count is never estimated.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import importlib.util
import os
import re
from dataclasses import dataclass
from pathlib import Path

import tiktoken

from core.errors import TokenizerError

ENCODINGS = ("o200k_base", "cl100k_base")
DEFAULT_ENCODING = "o200k_base"
CACHE_DIR = Path(os.environ.get("COACH_TIKTOKEN_CACHE", Path(__file__).resolve().parents[1] / ".tiktoken_cache"))


@dataclass(frozen=True)
class EncodingSource:
    """Where tiktoken would fetch an encoding from and the SHA-256 it expects."""

    name: str
    url: str
    sha256: str


def _openai_public_source() -> str:
    spec = importlib.util.find_spec("tiktoken_ext.openai_public")
    if spec is None or spec.origin is None:
        raise TokenizerError("tiktoken_ext.openai_public not found: is tiktoken installed?")
    return Path(spec.origin).read_text(encoding="utf-8")


@functools.cache
def encoding_source(name: str) -> EncodingSource:
    """URL and expected SHA-256 of `name`, read from tiktoken's own registry file."""
    check_encoding_name(name)
    pattern = re.compile(
        r'"(?P<url>[^"]+/' + re.escape(name) + r'\.tiktoken)",\s*expected_hash="(?P<sha>[0-9a-f]{64})"'
    )
    match = pattern.search(_openai_public_source())
    if match is None:
        raise TokenizerError(f"encoding {name!r}: no URL/expected_hash found in tiktoken_ext/openai_public.py")
    return EncodingSource(name=name, url=match["url"], sha256=match["sha"])


def check_encoding_name(name: str) -> None:
    """Raise a TokenizerError naming the valid encodings if `name` is not one of them."""
    if name not in ENCODINGS:
        raise TokenizerError(f"unknown encoding {name!r}; expected one of: {', '.join(ENCODINGS)}")


def _bundled_file(name: str) -> Path:
    spec = importlib.util.find_spec("bpe_openai")
    if spec is None or spec.origin is None:
        raise TokenizerError("package bpe-openai is not installed; it ships the official encoding files")
    path = Path(spec.origin).parent / "data" / f"{name}.tiktoken.gz"
    if not path.is_file():
        raise TokenizerError(f"encoding file {path} is missing from bpe-openai")
    return path


def verified_encoding_bytes(name: str, bundled: Path | None = None) -> bytes:
    """The decompressed encoding file, only if its SHA-256 is the one tiktoken expects."""
    source = encoding_source(name)
    path = bundled or _bundled_file(name)
    try:
        data = gzip.decompress(path.read_bytes())
    except (OSError, EOFError) as exc:
        raise TokenizerError(f"encoding {name!r}: cannot read {path}: {exc}") from None
    digest = hashlib.sha256(data).hexdigest()
    if digest != source.sha256:
        raise TokenizerError(f"encoding {name!r}: {path} has SHA-256 {digest}, tiktoken expects {source.sha256}")
    return data


def seed_cache(name: str, cache_dir: Path = CACHE_DIR) -> Path:
    """Write the verified encoding file where tiktoken looks for it; returns its path."""
    source = encoding_source(name)
    cache_dir.mkdir(parents=True, exist_ok=True)
    target = cache_dir / hashlib.sha1(source.url.encode()).hexdigest()
    if target.is_file() and hashlib.sha256(target.read_bytes()).hexdigest() == source.sha256:
        return target
    tmp = target.with_suffix(".tmp")
    tmp.write_bytes(verified_encoding_bytes(name))
    tmp.replace(target)
    return target


@functools.cache
def get_encoding(name: str = DEFAULT_ENCODING) -> tiktoken.Encoding:
    """The tiktoken Encoding for `name`, loaded only from the verified offline cache."""
    check_encoding_name(name)
    seed_cache(name)
    os.environ["TIKTOKEN_CACHE_DIR"] = str(CACHE_DIR)
    try:
        return tiktoken.get_encoding(name)
    except Exception as exc:  # tiktoken raises plain errors when it would need the network
        raise TokenizerError(f"encoding {name!r} could not be loaded offline: {exc}") from None


def count_tokens(text: str, encoding: str = DEFAULT_ENCODING) -> int:
    """Exact number of tokens of `text` (special-token text is counted as plain text)."""
    return len(get_encoding(encoding).encode(text, disallowed_special=()))


def token_pieces(text: str, encoding: str = DEFAULT_ENCODING) -> list[str]:
    """The text of each token in order, for showing token boundaries.

    A token can end inside a multi-byte character; such pieces are decoded with
    replacement characters, the count is still exact.
    """
    enc = get_encoding(encoding)
    return [
        enc.decode_single_token_bytes(t).decode("utf-8", errors="replace")
        for t in enc.encode(text, disallowed_special=())
    ]
