"""Start the dashboard as `make run` does, refusing in one line to serve the network without sign-in.

    python app_launch.py --server.address 127.0.0.1 --server.port 8501    # what `make run` runs

Streamlit binds its socket before any script runs, so app.py's gate can hide the data but not
stop the listening. This check runs in front of `streamlit run`: it reads the same settings
Streamlit will use (config.toml files, STREAMLIT_* variables, these flags, secrets.toml), and
exits with status 2 and one `error:` line when the address is malformed (`'127.0.0.1 '`), when it
is not loopback and no sign-in is configured, when XSRF protection is off, or when the secrets are
broken (a file that is not valid TOML, a password hash that is malformed or outside the accepted
cost, an `[auth]` without client_id). Otherwise it hands the same arguments to Streamlit.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from streamlit import config
from streamlit.runtime.secrets import secrets_singleton
from streamlit.web import bootstrap, cli

from core.access import AccessError, access_config, secrets_file_problem, serve_refusal

APP = Path(__file__).resolve().parent / "app.py"


def refusal(argv: Sequence[str]) -> str | None:
    """Why Streamlit must not start with these arguments, or None when it may."""
    params = cli.main_run.make_context("run", [str(APP), *argv]).params
    # As `streamlit run` does before loading config: app.py's own .streamlit/ folder counts too.
    config._main_script_path = str(APP)
    bootstrap.load_config_options({k: v for k, v in params.items() if k not in ("target", "args")})
    if not secrets_singleton.load_if_toml_exists() and (
        problem := secrets_file_problem(config.get_option("secrets.files"))
    ):
        return problem
    try:
        found = access_config(secrets_singleton.to_dict() if secrets_singleton.load_if_toml_exists() else {})
    except AccessError as exc:
        return str(exc)
    return serve_refusal(
        config.get_option("server.address"), found, bool(config.get_option("server.enableXsrfProtection"))
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    message = refusal(args)
    if message is not None:
        print(f"error: {message}", file=sys.stderr)
        return 2
    cli.main(["run", str(APP), *args], prog_name="streamlit")
    return 0


if __name__ == "__main__":
    sys.exit(main())
