"""Who may use the dashboard: salted password hashes, the loopback rule, and the sign-in mode.

The dashboard holds athletes' health data, so it serves a non-loopback address only when a
sign-in is configured in `.streamlit/secrets.toml`: an `[auth]` section (Streamlit's built-in
OIDC) or a `[passwords]` table of `username = "<hash>"` lines made by
`python -m core access hash-password`. Hashes are scrypt (stdlib, memory-hard) with a random
salt; a plain-text password in the table is refused, never compared, and so is a hash that is
malformed or outside the accepted cost (checked when the secrets are read, so at launch). Nothing
here imports Streamlit: the gate (`ui/gate.py`) and the launcher (`app_launch.py`) read secrets
and config and pass plain values in.

Guessing is slowed per username, not per browser session: `SIGN_IN_THROTTLE` is one store shared
by every session of the process (see `SignInThrottle`). An unknown username costs one scrypt
check against a dummy hash with the table's cost, so the answer's time does not say who exists.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import ipaddress
import re
import secrets
import threading
import tomllib
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from core.errors import CoachError

LOCAL_ACTOR = "local"
"""Who made a change when the dashboard is not shared: no sign-in, loopback only."""

# scrypt cost: 2**14 × 8 × 128 B = 16 MiB and ~50 ms per check on these machines — slow for a guesser.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
_SALT_BYTES, _KEY_BYTES = 16, 32
# Accepted in secrets: at least hash-password's cost (a cheap hash is a fast guess and a timing tell), at
# most 32 times its work (so one sign-in cannot take seconds or exhaust memory).
MIN_N, MIN_R, MAX_WORK = SCRYPT_N, SCRYPT_R, 32 * SCRYPT_N * SCRYPT_R * SCRYPT_P
MAX_MEMORY_MIB = 64  # 128 × n × r bytes per check: four times hash-password's 16 MiB
MIN_SALT_BYTES, KEY_BYTES_RANGE = 16, (16, 64)
_HASH_RE = re.compile(r"^scrypt\$n=(\d{1,10}),r=(\d{1,10}),p=(\d{1,10})\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$")
_USERNAME_RE = re.compile(r"^[A-Za-z0-9._@+-]{1,64}$")
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024

# Per-username backoff: the first failures are free (typos), then the wait doubles up to a cap; a username
# with no failure for FORGET_SECONDS starts afresh. At most MAX_TRACKED usernames are remembered.
FREE_FAILURES = 3
MAX_RETRY_SECONDS = 300.0
FORGET_SECONDS = 900.0
MAX_TRACKED = 10_000

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


@dataclass(frozen=True)
class ScryptHash:
    """A parsed `scrypt$n=…,r=…,p=…$salt$key` entry, its cost inside the accepted range."""

    n: int
    r: int
    p: int
    salt: bytes
    key: bytes

    @property
    def cost(self) -> tuple[int, int, int]:
        return self.n, self.r, self.p


_HASH_FORMAT = "expected a hash made by `python -m core access hash-password` ('scrypt$n=…,r=…,p=…$salt$key')"


def parse_hash(stored: object, entry: str = "password hash") -> ScryptHash:
    """The hash's parts, or AccessError naming `entry` and what is wrong (never echoing the value)."""
    match = _HASH_RE.match(stored) if isinstance(stored, str) else None
    if match is None:
        raise AccessError(f"{entry}: {_HASH_FORMAT}; plain-text passwords are refused")
    n, r, p = (int(match.group(i)) for i in (1, 2, 3))
    try:
        salt, key = (base64.b64decode(match.group(i), validate=True) for i in (4, 5))
    except (binascii.Error, ValueError):
        raise AccessError(f"{entry}: salt or key is not valid base64; {_HASH_FORMAT}") from None
    if n < 2 or n & (n - 1):
        raise AccessError(f"{entry}: n={n}: expected a power of two")
    if n < MIN_N or r < MIN_R or p < 1:
        raise AccessError(f"{entry}: n={n},r={r},p={p}: expected at least n={MIN_N},r={MIN_R},p=1 (cheaper is refused)")
    if n * r * p > MAX_WORK or 128 * n * r > MAX_MEMORY_MIB * 2**20:
        raise AccessError(
            f"{entry}: n={n},r={r},p={p}: expected n×r×p at most {MAX_WORK} and 128×n×r at most"
            f" {MAX_MEMORY_MIB} MiB (too slow or too big per sign-in)"
        )
    if len(salt) < MIN_SALT_BYTES or not KEY_BYTES_RANGE[0] <= len(key) <= KEY_BYTES_RANGE[1]:
        low, high = KEY_BYTES_RANGE
        raise AccessError(
            f"{entry}: expected a salt of at least {MIN_SALT_BYTES} bytes and a key of {low}-{high} bytes"
        )
    return ScryptHash(n, r, p, salt, key)


def verify_password(password: str, stored_hash: str) -> bool:
    """True when `password` matches `stored_hash`; the keys are compared in constant time.

    AccessError for a malformed hash (the secrets are checked at launch, so a sign-in never meets one).
    """
    parsed = parse_hash(stored_hash)
    if not isinstance(password, str) or len(password) > MAX_PASSWORD_LENGTH:
        password = ""  # still hashed, so a refused password takes as long as a wrong one
    ok = hmac.compare_digest(_scrypt(password, parsed.salt, *parsed.cost, len(parsed.key)), parsed.key)
    return ok and bool(password)


def _dummy_hash(cost: tuple[int, int, int]) -> str:
    """Checked against for an unknown username, at the table's cost, so that costs one scrypt like a known one.

    Its key is zeros, which no password derives in practice: nothing is hashed to make it, so even the
    first unknown username takes no longer than a known one.
    """
    salt, key = base64.b64encode(b"\0" * _SALT_BYTES).decode(), base64.b64encode(b"\0" * _KEY_BYTES).decode()
    return f"scrypt$n={cost[0]},r={cost[1]},p={cost[2]}${salt}${key}"


def check_sign_in(passwords: Mapping[str, str], username: str, password: str) -> str | None:
    """The signed-in username when the pair matches the table, else None; never raises.

    An unknown username is checked against a dummy hash of the table's highest cost (with hashes made
    by hash-password every entry has the same cost, so both answers take the same time).
    """
    stored = passwords.get(username) if isinstance(username, str) else None
    try:
        costs = [parse_hash(h).cost for h in passwords.values()]
        checked = stored if stored is not None else _dummy_hash(max(costs, default=(SCRYPT_N, SCRYPT_R, SCRYPT_P)))
        ok = verify_password(password, checked)
    except AccessError:
        return None
    return username if ok and stored is not None else None


def retry_after(failures: int) -> float:
    """Seconds to wait before the next attempt after `failures` failed ones in a row (capped, any count)."""
    if failures < FREE_FAILURES:
        return 0.0
    doublings = min(failures - FREE_FAILURES + 1, 16)  # 2**16 s is past any cap; 2.0**1024 would overflow
    return min(2.0**doublings, MAX_RETRY_SECONDS)


class SignInThrottle:
    """Failed sign-ins per username, shared by every browser session of this process (thread-safe).

    Keyed by the username typed (unknown ones too, so a wait says nothing about who exists), not by the
    session: guesses spread over new sessions wait the same. Held in memory: a restart forgets it and each
    server process keeps its own. A username with no failure for FORGET_SECONDS starts afresh; beyond
    MAX_TRACKED usernames the least recently failed is forgotten (so junk usernames cannot grow it without
    bound; an attacker who floods it only wins FREE_FAILURES more guesses per flood). A right password
    clears its username. Callers pass the clock (`time.monotonic()`), so tests need no sleeps.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._failed: OrderedDict[str, tuple[int, float, float]] = OrderedDict()  # failures, last, retry at

    def _current(self, key: str, now: float) -> tuple[int, float, float]:
        failures, last, retry_at = self._failed.get(key, (0, now, now))
        return (0, now, now) if now - last > FORGET_SECONDS else (failures, last, retry_at)

    def wait(self, username: str, now: float) -> float:
        """Seconds `username` must still wait before a sign-in is checked (0 when it may try now)."""
        with self._lock:
            return max(0.0, self._current(_throttle_key(username), now)[2] - now)

    def failed(self, username: str, now: float) -> float:
        """Record a failed sign-in; returns the seconds to wait before the next one."""
        key = _throttle_key(username)
        with self._lock:
            failures = self._current(key, now)[0] + 1
            delay = retry_after(failures)
            self._failed[key] = (failures, now, now + delay)
            self._failed.move_to_end(key)
            while len(self._failed) > MAX_TRACKED:
                self._failed.popitem(last=False)
            return delay

    def succeeded(self, username: str) -> None:
        """Forget `username`'s failures (its right password was given)."""
        with self._lock:
            self._failed.pop(_throttle_key(username), None)

    def clear(self) -> None:
        """Forget every username (tests, and nothing else)."""
        with self._lock:
            self._failed.clear()


def _throttle_key(username: object) -> str:
    return username[:128] if isinstance(username, str) else ""


SIGN_IN_THROTTLE = SignInThrottle()
"""The one store of failed sign-ins for this process; ui/gate.py consults it before every check."""


def access_config(secrets_: Mapping[str, Any]) -> AccessConfig:
    """The sign-in the secrets configure: OIDC (`[auth]`) wins, else `[passwords]`, else none.

    Raises AccessError naming the entry when a password is not a valid hash (never echoing it), or
    when `[auth]` lacks what Streamlit's sign-in needs, so a broken sign-in never counts as one.
    """
    auth = secrets_.get("auth")
    if auth is not None:
        return AccessConfig("oidc", _oidc_providers(auth))
    table = secrets_.get("passwords")
    if table is None:
        return AccessConfig("none")
    if not isinstance(table, Mapping) or not table:
        raise AccessError('passwords: expected a [passwords] table of username = "<hash>" lines, got an empty one')
    for username, stored in table.items():
        if not _USERNAME_RE.match(str(username)):
            raise AccessError(f"passwords: username {str(username)[:40]!r}: expected 1-64 letters, digits or . _ @ + -")
        parse_hash(stored, f"passwords.{username}")
    return AccessConfig("password", passwords=dict(table))


_OIDC_NEEDS = ("redirect_uri", "cookie_secret")


def _oidc_providers(auth: object) -> tuple[str | None, ...]:
    """Provider names of an `[auth]` section (None: the one flat provider); AccessError when it cannot sign anyone in."""
    if not isinstance(auth, Mapping) or not auth:
        raise AccessError(
            "auth: expected an [auth] table with redirect_uri, cookie_secret and client_id, got an empty one"
        )
    missing = [k for k in _OIDC_NEEDS if not auth.get(k)]
    if missing:
        raise AccessError(f"auth.{missing[0]}: required for Streamlit's sign-in (see .streamlit/secrets.toml.example)")
    named = tuple(str(k) for k, v in auth.items() if isinstance(v, Mapping))
    if "client_id" in auth or not named:
        if not auth.get("client_id"):
            raise AccessError(
                "auth.client_id: required (or an [auth.<provider>] table with one); without it nobody can sign in"
            )
        return (None,)
    for name in named:
        if not auth[name].get("client_id"):
            raise AccessError(f"auth.{name}.client_id: required; without it nobody can sign in with {name}")
    return named


_HOSTNAME_RE = re.compile(
    r"(?=.{1,253}\Z)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*"
)


def address_problem(address: object) -> str | None:
    """Why `address` is no address a server can bind (spaces, brackets, junk), or None (unset = every interface)."""
    if address is None or address == "":
        return None
    if isinstance(address, str):
        try:
            ipaddress.ip_address(address)
            return None
        except ValueError:
            if _HOSTNAME_RE.fullmatch(address):
                return None
        shown = ascii(address[:40]) + (f"... ({len(address)} characters)" if len(address) > 40 else "")
    else:
        shown = type(address).__name__
    return f"server.address {shown}: expected an IP address or a host name, without spaces or brackets (e.g. 127.0.0.1)"


def is_loopback(address: str | None) -> bool:
    """True for 127.0.0.0/8, ::1 and 'localhost' exactly; an unset address means every interface (False)."""
    if not address:
        return False
    if address.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def serve_refusal(address: str | None, config: AccessConfig, xsrf_protection: bool) -> str | None:
    """One line saying why the dashboard must not serve with these settings, or None when it may."""
    if not xsrf_protection:
        return "server.enableXsrfProtection: expected true (it guards every form and button); got false"
    if problem := address_problem(address):
        return problem
    if config.mode == "none" and not is_loopback(address):
        shown = address or "(unset: every interface)"
        return (
            f"server.address {shown}: refusing to serve athletes' data beyond this machine without sign-in;"
            " bind 127.0.0.1, or configure [passwords] or [auth] in .streamlit/secrets.toml (see README, Sharing)"
        )
    return None


def secrets_file_problem(paths: Sequence[str]) -> str | None:
    """One line naming the first secrets file that exists but is not valid TOML (with its line), or None.

    Streamlit treats an unparsable secrets file like a missing one; read as "no sign-in configured" that
    would hide the mistake, so the gate and the launcher report it instead. The file's text is not echoed.
    """
    for path in paths:
        if not str(path).endswith(".toml"):
            continue
        try:
            text = Path(path).read_text(encoding="utf-8")
        except FileNotFoundError:
            continue
        except (OSError, UnicodeDecodeError) as exc:
            return f"secrets {path}: cannot be read ({type(exc).__name__}); expected a UTF-8 TOML file"
        try:
            tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            return f"secrets {path}: not valid TOML ({exc}); fix it before starting (sign-in is read from it)"
    return None


def _check_password(password: str) -> None:
    if not isinstance(password, str) or not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        size = len(password) if isinstance(password, str) else type(password).__name__
        raise AccessError(f"password: expected {MIN_PASSWORD_LENGTH}-{MAX_PASSWORD_LENGTH} characters, got {size}")


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int, dklen: int = _KEY_BYTES) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, dklen=dklen, maxmem=128 * n * r * p + 2**20)
