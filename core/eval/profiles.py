"""Named endpoint profiles for `python -m core eval --endpoint NAME`: where to send the questions, which model, the key,
how many requests at once and per minute, and what a token costs (for the estimate shown before a paid run).

Each setting can be overridden by `EVAL_<NAME>_<SETTING>` (BASE_URL, MODEL, API_KEY, CONCURRENCY, RPM), read from the
environment first, then from `.streamlit/secrets.toml` (top-level keys). The key falls back to the profile's usual
variable (`OPENAI_API_KEY` for openai). Prices are USD per million tokens, as listed by the provider when this was
written (gpt-4o-mini: 0.15 in, 0.60 out); set EVAL_OPENAI_PRICE_IN/OUT for another model.
"""

from __future__ import annotations

import math
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from core.chat.endpoints import Endpoint
from core.db.connection import PROJECT_ROOT
from core.errors import CoachError


@dataclass(frozen=True)
class EndpointProfile:
    """One named endpoint: its defaults and limits (0 requests per minute: no limit)."""

    name: str
    base_url: str
    model: str
    key_setting: str | None
    concurrency: int
    requests_per_minute: float
    price_in: float = 0.0
    price_out: float = 0.0

    @property
    def paid(self) -> bool:
        return self.price_in > 0 or self.price_out > 0

    def cost(self, prompt_tokens: int, completion_tokens: int) -> float:
        """Estimated USD for that many prompt and completion tokens."""
        return (prompt_tokens * self.price_in + completion_tokens * self.price_out) / 1_000_000


def dollars(amount: float) -> str:
    """A dollar amount to cents, or to two significant digits below a dime, so a small run never reads as $0.00
    ($0.0043)."""
    if amount <= 0:
        return "$0.00"
    places = max(2, 1 - math.floor(math.log10(amount)))
    return f"${amount:,.{places}f}"


ENDPOINT_PROFILES = {
    "openai": EndpointProfile(
        "openai", "https://api.openai.com/v1", "gpt-4o-mini", "OPENAI_API_KEY", 4, 300, 0.15, 0.60
    ),
    "ollama": EndpointProfile("ollama", "http://127.0.0.1:11434/v1", "llama3.1:8b", None, 1, 0),
    "vllm": EndpointProfile("vllm", "http://127.0.0.1:8000/v1", "Qwen/Qwen2.5-7B-Instruct", "VLLM_API_KEY", 8, 0),
    "llamacpp": EndpointProfile("llamacpp", "http://127.0.0.1:8080/v1", "local", None, 1, 0),
}


def secrets_file() -> Path:
    return Path(os.environ.get("COACH_SECRETS", PROJECT_ROOT / ".streamlit" / "secrets.toml"))


def read_secrets(path: Path | None = None) -> dict[str, Any]:
    """The top-level values of secrets.toml ({} when there is none); bad TOML is one clear error."""
    target = path or secrets_file()
    if not target.is_file():
        return {}
    try:
        return tomllib.loads(target.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CoachError(f'{target}: not valid TOML ({str(exc)[:80]}); expected key = "value" lines') from None


def _profile_number(name: str, value: str, minimum: float) -> float:
    try:
        number = float(value)
    except ValueError:
        number = minimum - 1
    if number < minimum:
        raise CoachError(f"{name} {value[:20]!r}: expected a number ≥ {minimum:g}")
    return number


def resolve_profile(
    name: str, *, model: str | None = None, secrets: Mapping[str, Any] | None = None
) -> tuple[Endpoint, EndpointProfile]:
    """The endpoint and limits of profile `name`, with overrides from the environment or secrets applied."""
    if name not in ENDPOINT_PROFILES:
        raise CoachError(f"--endpoint {name[:30]!r}: expected one of {', '.join(ENDPOINT_PROFILES)}")
    base = ENDPOINT_PROFILES[name]
    found = dict(read_secrets() if secrets is None else secrets)

    def setting(suffix: str, fallback: str | None = None) -> str | None:
        key = f"EVAL_{name.upper()}_{suffix}"
        for candidate in (key, fallback):
            if candidate is None:
                continue
            value = os.environ.get(candidate) or found.get(candidate)
            if value not in (None, ""):
                return str(value)
        return None

    profile = replace(
        base,
        base_url=setting("BASE_URL") or base.base_url,
        model=model or setting("MODEL") or base.model,
        concurrency=int(_profile_number("concurrency", setting("CONCURRENCY") or str(base.concurrency), 1)),
        requests_per_minute=_profile_number("requests per minute", setting("RPM") or str(base.requests_per_minute), 0),
        price_in=_profile_number("price in", setting("PRICE_IN") or str(base.price_in), 0),
        price_out=_profile_number("price out", setting("PRICE_OUT") or str(base.price_out), 0),
    )
    if not profile.base_url.startswith(("http://", "https://")):
        raise CoachError(f"EVAL_{name.upper()}_BASE_URL {profile.base_url[:40]!r}: expected an http:// or https:// URL")
    key = setting("API_KEY", base.key_setting) or ""
    if name == "openai" and not key:
        raise CoachError("--endpoint openai: no key; set OPENAI_API_KEY (environment or .streamlit/secrets.toml)")
    return Endpoint(name, profile.base_url, profile.model, None, key), profile
