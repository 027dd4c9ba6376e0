"""Who may use the dashboard: salted password hashes, the loopback rule, and the sign-in mode.

The dashboard holds athletes' health data, so it serves a non-loopback address only when a
sign-in is configured in `.streamlit/secrets.toml`: an `[auth]` section (Streamlit's built-in
OIDC) or a `[passwords]` table of `username = "<hash>"` lines made by
`python -m core access hash-password`. Hashes are scrypt (stdlib, memory-hard) with a random
salt; a plain-text password in the table is refused, never compared. Nothing here imports
Streamlit: the gate (`ui/gate.py`) and the launcher (`app_launch.py`) read secrets and config
and pass plain values in.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import ipaddress
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from core.errors import CoachError

LOCAL_ACTOR = "local"
"""Who made a change when the dashboard is not shared: no sign-in, loopback only."""

# scrypt cost: 2**14 × 8 × 128 B = 16 MiB and ~50 ms per check on these machines — slow for a guesser.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
_SALT_BYTES, _KEY_BYTES = 16, 32
_HASH_RE = re.compile(r"^scrypt\$n=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$")
_USERNAME_RE = re.compile(r"^[A-Za-z0-9._@+-]{1,64}$")
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024

# Per-session backoff: the first failures are free (typos), then the wait doubles up to a cap.
FREE_FAILURES = 3
MAX_RETRY_SECONDS = 300.0

Mode = Literal["oidc", "password", "none"]


class AccessError(CoachError):
    """Sign-in is misconfigured, or the dashboard would be served to the network without one."""


@dataclass(frozen=True)
class AccessConfig:
    """What the secrets configure: the sign-in mode, OIDC provider names, and username → password hash."""

    mode: Mode
    providers: tuple[str | None, ...] = ()
    passwords: Mapping[str, str] | None = None


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    """`scrypt$n=…,r=…,p=…$<salt>$<key>` (base64): what goes in the `[passwords]` table."""
    _check_password(password)
    salt = salt if salt is not None else secrets.token_bytes(_SALT_BYTES)
    key = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    b64 = base64.b64encode
    return f"scrypt$n={SCRYPT_N},r={SCRYPT_R},p={SCRYPT_P}${b64(salt).decode()}${b64(key).decode()}"


def verify_password(password: str, stored_hash: str) -> bool:
    """True when `password` matches `stored_hash`; the keys are compared in constant time."""
    match = _HASH_RE.match(stored_hash)
    if match is None:
        raise AccessError(
            "password hash: expected 'scrypt$n=…,r=…,p=…$salt$key' from `python -m core access hash-password`"
        )
    n, r, p = (int(match.group(i)) for i in (1, 2, 3))
    salt, key = base64.b64decode(match.group(4)), base64.b64decode(match.group(5))
    if not isinstance(password, str) or len(password) > MAX_PASSWORD_LENGTH:
        return False
    return hmac.compare_digest(_scrypt(password, salt, n, r, p, len(key)), key)


@functools.cache
def _dummy_hash() -> str:
    """Checked against for an unknown username, so that costs as much as a known one."""
    return hash_password("unknown-user-dummy", salt=b"\0" * _SALT_BYTES)


def check_sign_in(passwords: Mapping[str, str], username: str, password: str) -> str | None:
    """The signed-in username when the pair matches the table, else None (same cost either way)."""
    stored = passwords.get(username) if isinstance(username, str) else None
    ok = verify_password(password, stored or _dummy_hash())
    return username if ok and stored is not None else None


def retry_after(failures: int) -> float:
    """Seconds a session waits before its next attempt after `failures` failed ones in a row."""
    if failures < FREE_FAILURES:
        return 0.0
    return min(2.0 ** (failures - FREE_FAILURES + 1), MAX_RETRY_SECONDS)


def access_config(secrets_: Mapping[str, Any]) -> AccessConfig:
    """The sign-in the secrets configure: OIDC (`[auth]`) wins, else `[passwords]`, else none.

    Raises AccessError naming the entry when a password is not a hash (never echoing it).
    """
    auth = secrets_.get("auth")
    if isinstance(auth, Mapping) and auth:
        named = tuple(k for k, v in auth.items() if isinstance(v, Mapping))
        return AccessConfig("oidc", named if named and "client_id" not in auth else (None,))
    table = secrets_.get("passwords")
    if table is None:
        return AccessConfig("none")
    if not isinstance(table, Mapping) or not table:
        raise AccessError('passwords: expected a [passwords] table of username = "<hash>" lines, got an empty one')
    for username, stored in table.items():
        if not _USERNAME_RE.match(str(username)):
            raise AccessError(f"passwords: username {str(username)[:40]!r}: expected 1-64 letters, digits or . _ @ + -")
        if not isinstance(stored, str) or not _HASH_RE.match(stored):
            raise AccessError(
                f"passwords.{username}: expected a hash made by `python -m core access hash-password`"
                " (plain-text passwords are refused)"
            )
    return AccessConfig("password", passwords=dict(table))


def is_loopback(address: str | None) -> bool:
    """True for 127.0.0.0/8, ::1 and 'localhost'; an unset address means every interface (False)."""
    if not address:
        return False
    if address.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(address.strip().strip("[]")).is_loopback
    except ValueError:
        return False


def serve_refusal(address: str | None, config: AccessConfig, xsrf_protection: bool) -> str | None:
    """One line saying why the dashboard must not serve with these settings, or None when it may."""
    if not xsrf_protection:
        return "server.enableXsrfProtection: expected true (it guards every form and button); got false"
    if config.mode == "none" and not is_loopback(address):
        shown = address or "(unset: every interface)"
        return (
            f"server.address {shown}: refusing to serve athletes' data beyond this machine without sign-in;"
            " bind 127.0.0.1, or configure [passwords] or [auth] in .streamlit/secrets.toml (see README, Sharing)"
        )
    return None


def _check_password(password: str) -> None:
    if not isinstance(password, str) or not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        size = len(password) if isinstance(password, str) else type(password).__name__
        raise AccessError(f"password: expected {MIN_PASSWORD_LENGTH}-{MAX_PASSWORD_LENGTH} characters, got {size}")


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int, dklen: int = _KEY_BYTES) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, dklen=dklen, maxmem=128 * n * r * p + 2**20)
