"""core.access: salted scrypt hashes, the sign-in mode from secrets, the loopback rule, backoff; actors recorded."""

from __future__ import annotations

import base64
import hashlib
import hmac
import shutil
from pathlib import Path

import duckdb
import pytest

from core import access
from core.access import (
    AccessConfig,
    AccessError,
    SignInThrottle,
    access_config,
    check_sign_in,
    hash_password,
    is_loopback,
    retry_after,
    serve_refusal,
    verify_password,
)
from core.db import connect
from core.db.connection import MIGRATIONS_DIR
from core.plan.store import apply_ops, plan_head, plan_versions, revert_to_version
from core.plan.tools import execute_tool_call

PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def stored() -> str:
    return hash_password(PASSWORD)


def test_hash_is_salted_scrypt_and_never_contains_the_password(stored: str) -> None:
    """Given one password hashed twice, when comparing, then both are scrypt, differ by salt, and hold no plain text."""
    again = hash_password(PASSWORD)
    assert stored.startswith("scrypt$n=16384,r=8,p=1$") and again.startswith("scrypt$")
    assert stored != again
    assert PASSWORD not in stored and base64.b64encode(PASSWORD.encode()).decode() not in stored


def test_right_password_verifies_and_wrong_ones_do_not(stored: str) -> None:
    """Given a stored hash, when verifying, then only the exact password matches."""
    assert verify_password(PASSWORD, stored)
    assert not verify_password(PASSWORD + " ", stored)
    assert not verify_password("x" * 5000, stored)


def test_keys_are_compared_with_hmac_compare_digest(stored: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Given a spy on hmac.compare_digest, when verifying, then the comparison goes through it."""
    calls = []
    monkeypatch.setattr(hmac, "compare_digest", lambda a, b: calls.append((a, b)) or a == b)
    assert verify_password(PASSWORD, stored)
    assert len(calls) == 1 and all(isinstance(x, bytes) for x in calls[0])


def test_short_password_is_refused_naming_the_field_without_echoing_it() -> None:
    """Given a 5-character password, when hashing, then the error names the field and the length only."""
    with pytest.raises(AccessError, match=r"^password: expected 8-1024 characters, got 5$") as info:
        hash_password("hunt2")
    assert "hunt2" not in str(info.value)


def test_sign_in_checks_username_and_password_together(stored: str) -> None:
    """Given a table with alice, when checking pairs, then only alice with her password signs in."""
    table = {"alice": stored}
    assert check_sign_in(table, "alice", PASSWORD) == "alice"
    assert check_sign_in(table, "alice", "wrong password") is None
    assert check_sign_in(table, "mallory", PASSWORD) is None


def test_oidc_wins_over_passwords_and_named_providers_are_listed(stored: str) -> None:
    """Given [auth] (flat or per provider) and [passwords], when reading, then the mode is OIDC with its providers."""
    flat = {"auth": {"redirect_uri": "u", "cookie_secret": "c", "client_id": "i"}, "passwords": {"alice": stored}}
    assert access_config(flat) == AccessConfig("oidc", (None,))
    named = {
        "auth": {"redirect_uri": "u", "cookie_secret": "c", "google": {"client_id": "i"}, "okta": {"client_id": "j"}}
    }
    assert access_config(named).providers == ("google", "okta")


@pytest.mark.parametrize(
    ("auth", "message"),
    [
        ({"redirect_uri": "u", "cookie_secret": "c"}, "auth.client_id: required"),
        ({"redirect_uri": "u", "cookie_secret": "c", "client_id": ""}, "auth.client_id: required"),
        (
            {"redirect_uri": "u", "cookie_secret": "c", "google": {"client_secret": "s"}},
            "auth.google.client_id: required",
        ),
        ({"cookie_secret": "c", "client_id": "i"}, "auth.redirect_uri: required"),
        ({}, "auth: expected an [auth] table"),
        ("yes", "auth: expected an [auth] table"),
    ],
)
def test_an_auth_section_that_cannot_sign_anyone_in_is_refused_not_served(auth: object, message: str) -> None:
    """Given [auth] without client_id (or its other needs), when reading secrets, then one line refuses it, no OIDC mode."""
    with pytest.raises(AccessError) as info:
        access_config({"auth": auth})
    assert str(info.value).startswith(message) and "\n" not in str(info.value)


@pytest.mark.parametrize(
    "address", ["127.0.0.1 ", " 127.0.0.1", "127.0.0.1\n", "[::1]", "0.0.0.0:8501", "host name", "-bad-"]
)
def test_a_malformed_address_is_refused_in_one_line_before_any_sign_in_rule(address: str, stored: str) -> None:
    """Given an address with spaces, brackets, a port or junk, when checking, then one line names it, with or without sign-in."""
    for config in (AccessConfig("none"), access_config({"passwords": {"alice": stored}})):
        message = serve_refusal(address, config, True) or ""
        assert (
            message
            == f"server.address {address!a}: expected an IP address or a host name, without spaces or brackets (e.g. 127.0.0.1)"
        )
    assert not is_loopback(address)


@pytest.mark.parametrize(
    "address", ["127.0.0.1", "::1", "localhost", "coach.example.internal", "10.0.0.7", "fe80::1%eth0"]
)
def test_well_formed_addresses_pass_the_form_check(address: str, stored: str) -> None:
    """Given a plain IP address or host name, when checking with sign-in configured, then nothing refuses it."""
    assert serve_refusal(address, access_config({"passwords": {"alice": stored}}), True) is None


def test_passwords_table_gives_password_mode_and_nothing_gives_none(stored: str) -> None:
    """Given only [passwords], or no sign-in at all, when reading secrets, then the mode follows."""
    config = access_config({"passwords": {"alice": stored}, "OPENAI_API_KEY": "k"})
    assert config.mode == "password" and dict(config.passwords or {}) == {"alice": stored}
    assert access_config({"OPENAI_API_KEY": "k"}) == AccessConfig("none")


def test_plain_text_password_in_secrets_is_refused_without_echoing_it() -> None:
    """Given a plain-text password in [passwords], when reading secrets, then one error names the entry, not the value."""
    with pytest.raises(AccessError, match=r"^passwords\.alice: expected a hash made by") as info:
        access_config({"passwords": {"alice": "hunter2hunter2"}})
    assert "hunter2" not in str(info.value)
    with pytest.raises(AccessError, match="got an empty one"):
        access_config({"passwords": {}})


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("127.0.0.1", True),
        ("127.0.1.1", True),
        ("::1", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("192.168.1.20", False),
        ("::", False),
        ("", False),
        (None, False),
        ("example.internal", False),
    ],
)
def test_only_loopback_addresses_count_as_local(address: str | None, expected: bool) -> None:
    """Given a server.address, when classifying, then only loopback ones are local (unset = every interface)."""
    assert is_loopback(address) is expected


def test_network_address_without_sign_in_is_refused_in_one_line(stored: str) -> None:
    """Given no sign-in, when serving 0.0.0.0 or an unset address, then one line refuses; loopback or sign-in may."""
    none, password = AccessConfig("none"), access_config({"passwords": {"alice": stored}})
    message = serve_refusal("0.0.0.0", none, True)
    assert message is not None and "\n" not in message
    assert message.startswith("server.address 0.0.0.0: refusing to serve")
    assert "every interface" in (serve_refusal(None, none, True) or "")
    assert serve_refusal("127.0.0.1", none, True) is None
    assert serve_refusal("0.0.0.0", password, True) is None


def test_xsrf_protection_turned_off_is_refused(stored: str) -> None:
    """Given server.enableXsrfProtection false, when checking, then serving is refused even on loopback."""
    assert (serve_refusal("127.0.0.1", AccessConfig("none"), False) or "").startswith("server.enableXsrfProtection")


def test_failures_are_free_at_first_then_the_wait_doubles_up_to_a_cap() -> None:
    """Given consecutive failures, when asking the wait, then 0 for typos, then 2, 4, 8 … up to the cap."""
    waits = [retry_after(n) for n in range(0, 8)]
    assert waits == [0, 0, 0, 2, 4, 8, 16, 32]
    assert retry_after(100) == access.MAX_RETRY_SECONDS


@pytest.mark.parametrize("failures", [1026, 10**6, 10**30])
def test_any_number_of_failures_waits_the_cap_and_never_overflows(failures: int) -> None:
    """Given 1,026 or more failures (2.0**1024 overflows a float), when asking the wait, then the cap, no OverflowError."""
    assert retry_after(failures) == access.MAX_RETRY_SECONDS


def test_the_backoff_is_per_username_whatever_session_asks() -> None:
    """Given alice failed three times (from any sessions), when anyone tries alice, then they wait; bob does not."""
    throttle = SignInThrottle()
    for t in (0.0, 0.1, 0.2):  # three sessions, one guess each: the count is the username's, not the session's
        throttle.failed("alice", t)
    assert throttle.wait("alice", 0.3) == pytest.approx(1.9)
    assert throttle.wait("bob", 0.3) == 0.0
    assert throttle.failed("alice", 2.5) == 4.0  # the fourth failure doubles the wait
    throttle.succeeded("alice")
    assert throttle.wait("alice", 2.6) == 0.0


def test_an_unknown_username_is_throttled_like_a_known_one() -> None:
    """Given failures for a username not in any table, when asking, then it waits the same (no hint who exists)."""
    throttle = SignInThrottle()
    waits = [throttle.failed(name, 0.0) for name in ("mallory",) * 4]
    assert waits == [0.0, 0.0, 2.0, 4.0]
    assert throttle.wait("mallory", 1.0) == 3.0


def test_failures_are_forgotten_after_a_quiet_spell() -> None:
    """Given alice failed five times, when FORGET_SECONDS pass without a failure, then her count starts afresh."""
    throttle = SignInThrottle()
    for _ in range(5):
        throttle.failed("alice", 0.0)
    later = access.FORGET_SECONDS + 1
    assert throttle.wait("alice", later) == 0.0
    assert throttle.failed("alice", later) == 0.0


def test_the_store_keeps_at_most_max_tracked_usernames(monkeypatch: pytest.MonkeyPatch) -> None:
    """Given more failing usernames than MAX_TRACKED, when recording, then the least recent are forgotten, the rest kept."""
    monkeypatch.setattr(access, "MAX_TRACKED", 3)
    throttle = SignInThrottle()
    for name in ("a", "b", "c", "d"):
        for _ in range(4):
            throttle.failed(name, 0.0)
    assert throttle.wait("a", 1.0) == 0.0 and throttle.wait("d", 1.0) == 3.0
    assert len(throttle._failed) == 3


def test_the_gate_uses_one_process_wide_store() -> None:
    """Given the gate module, when imported, then it consults core.access's one SIGN_IN_THROTTLE."""
    from ui import gate

    assert gate.SIGN_IN_THROTTLE is access.SIGN_IN_THROTTLE


def _with_cost(stored: str, n: int, r: int, p: int) -> str:
    """`stored` re-hashed for the same password at another scrypt cost."""
    salt = base64.b64decode(stored.split("$")[2])
    key = hashlib.scrypt(PASSWORD.encode(), salt=salt, n=n, r=r, p=p, dklen=32, maxmem=2**30)
    return f"scrypt$n={n},r={r},p={p}${stored.split('$')[2]}${base64.b64encode(key).decode()}"


def test_an_unknown_user_costs_one_scrypt_at_the_tables_cost(stored: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Given users at two costs, when checking a known and an unknown name, then each runs one scrypt; unknown at the highest."""
    table = {"alice": stored, "bob": _with_cost(stored, 2**15, 8, 1)}
    calls: list[tuple[int, int, int]] = []
    real = hashlib.scrypt

    def spy(password: bytes, *, salt: bytes, n: int, r: int, p: int, dklen: int, maxmem: int) -> bytes:
        calls.append((n, r, p))
        return real(password, salt=salt, n=n, r=r, p=p, dklen=dklen, maxmem=maxmem)

    monkeypatch.setattr(hashlib, "scrypt", spy)
    assert check_sign_in(table, "alice", "wrong horse battery") is None
    assert check_sign_in(table, "nobody", "wrong horse battery") is None
    assert check_sign_in(table, "bob", PASSWORD) == "bob"
    assert calls == [(2**14, 8, 1), (2**15, 8, 1), (2**15, 8, 1)]


def test_an_over_long_or_non_text_password_still_costs_one_scrypt(stored: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Given a 5,000-character password or a number, when verifying, then False after the same one scrypt check."""
    calls = []
    real = hashlib.scrypt
    monkeypatch.setattr(hashlib, "scrypt", lambda *a, **k: calls.append(k["n"]) or real(*a, **k))
    assert not verify_password("x" * 5000, stored) and not verify_password(7, stored)  # type: ignore[arg-type]
    assert calls == [2**14, 2**14]


def _malformed(stored: str) -> dict[str, str]:
    _, _, salt, key = stored.split("$")
    return {
        "empty": "",
        "bad base64": f"scrypt$n=16384,r=8,p=1$A$AAAA{key}",
        "n=3": f"scrypt$n=3,r=8,p=1${salt}${key}",
        "n=2^30": f"scrypt$n={2**30},r=8,p=1${salt}${key}",
        "cheap n=2": f"scrypt$n=2,r=8,p=1${salt}${key}",
        "short salt": f"scrypt$n=16384,r=8,p=1$AAAA${key}",
        "huge p": f"scrypt$n=16384,r=8,p=99999999999${salt}${key}",
    }


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("empty", "expected a hash made by `python -m core access hash-password`"),
        ("bad base64", "salt or key is not valid base64"),
        ("n=3", "n=3: expected a power of two"),
        ("n=2^30", "n=1073741824,r=8,p=1: expected n×r×p at most 4194304"),
        ("cheap n=2", "n=2,r=8,p=1: expected at least n=16384,r=8,p=1"),
        ("short salt", "expected a salt of at least 16 bytes"),
        ("huge p", "expected a hash made by"),
    ],
)
def test_a_malformed_hash_in_secrets_is_refused_in_one_line_and_never_crashes_a_sign_in(
    stored: str, case: str, message: str
) -> None:
    """Given a malformed or out-of-range hash, when secrets are read, then one line names the entry; a sign-in says no."""
    bad = _malformed(stored)[case]
    with pytest.raises(AccessError) as info:
        access_config({"passwords": {"alice": bad}})
    text = str(info.value)
    assert text.startswith("passwords.alice: ") and message in text and "\n" not in text
    assert (bad.split("$")[-1] not in text) if bad else True
    assert check_sign_in({"alice": bad}, "alice", PASSWORD) is None
    assert check_sign_in({"alice": bad}, "bob", PASSWORD) is None


def test_an_edit_revert_and_tool_call_record_the_actor(demo_con: duckdb.DuckDBPyConnection) -> None:
    """Given edits by alice (coach), bob (revert) and carol (AI tool call), when listing versions, then each is named."""
    apply_ops(demo_con, 1, [{"op": "update_block", "block_id": "b_1", "sets": 5}], plan_head(demo_con, 1).plan_hash,
              "coach", actor="alice")  # fmt: skip
    revert_to_version(demo_con, 1, 1, actor="bob")
    result = execute_tool_call(
        demo_con, 1, "edit_plan", '{"ops": [{"op": "update_block", "block_id": "b_2", "sets": 2}]}', shown_hash=plan_head(demo_con, 1).plan_hash,
        actor="carol@example.org",
    )  # fmt: skip
    assert result.startswith("ok ")
    assert [(v.author, v.actor) for v in plan_versions(demo_con, 1)][-3:] == [
        ("coach", "alice"),
        ("revert", "bob"),
        ("ai", "carol@example.org"),
    ]


def test_an_empty_actor_is_refused_and_nothing_is_written(demo_con: duckdb.DuckDBPyConnection) -> None:
    """Given an empty actor, when applying, then one error names the field and no version is added."""
    before, count = plan_head(demo_con, 1), len(plan_versions(demo_con, 1))
    with pytest.raises(Exception, match=r"^actor: expected a username or email"):
        apply_ops(demo_con, 1, [{"op": "update_block", "block_id": "b_1", "sets": 5}], before.plan_hash, "coach",
                  actor="")  # fmt: skip
    assert plan_head(demo_con, 1) == before and len(plan_versions(demo_con, 1)) == count


def test_migration_006_adds_actor_to_an_existing_database_as_local(tmp_path: Path, demo_template: Path) -> None:
    """Given a database made before 006, when opened, then its versions and interactions read actor 'local'."""
    path = tmp_path / "old.duckdb"
    shutil.copyfile(demo_template, path)
    con = duckdb.connect(str(path))
    con.execute("DROP INDEX plan_versions_hash")  # DuckDB drops no column of an indexed table
    con.execute("ALTER TABLE plan_versions DROP COLUMN actor")
    con.execute("CREATE INDEX plan_versions_hash ON plan_versions (athlete_id, plan_hash)")
    con.execute("ALTER TABLE interactions DROP COLUMN actor")
    con.execute("DELETE FROM schema_migrations WHERE version = 6")
    con.close()
    assert (MIGRATIONS_DIR / "006_actors.sql").exists()
    con = connect(path)
    actors = con.execute("SELECT DISTINCT actor FROM plan_versions").fetchall()
    columns = con.execute("SELECT column_name FROM information_schema.columns WHERE table_name = 'interactions'")
    assert actors == [("local",)] and ("actor",) in columns.fetchall()
    con.close()
