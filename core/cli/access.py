"""`access hash-password`: make the salted hash that goes in `.streamlit/secrets.toml` `[passwords]`.

printf '%s\\n' 'a long passphrase' | python -m core access hash-password --user alice
python -m core access hash-password --user alice      # at a terminal: asks twice, echoes nothing

The password is read from standard input (never from an argument, which `ps` and shell history
would show) and is never printed; only the hash is.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from core.access import AccessError, hash_password
from core.cli import emit


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("access", help="sign-in for a shared dashboard")
    actions = p.add_subparsers(dest="access", metavar="ACTION", required=True)
    q = actions.add_parser("hash-password", help="read a password on stdin, print its scrypt hash for [passwords]")
    q.add_argument("--user", help='username: print the whole `username = "hash"` line to paste')
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(handler=run_hash_password)


def _read_password() -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != first:
            raise AccessError("password: the two entries differ; nothing was hashed")
        return first
    line = sys.stdin.readline()
    if not line:
        raise AccessError("password: expected one line on standard input, got nothing")
    return line.rstrip("\r\n")


def run_hash_password(args: argparse.Namespace) -> int:
    hashed = hash_password(_read_password())
    line = f'{args.user} = "{hashed}"' if args.user else hashed
    emit(args, {"user": args.user, "hash": hashed}, line)
    return 0
