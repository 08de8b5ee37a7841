"""The `memoram-local` command (also `python -m memoram_local`).

This module imports only the standard library: the server's dependencies (the `[local]`
extra) are checked first, so that a plain `pip install memoram-async` gives a one-line hint
instead of an ImportError traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Mapping, Sequence
from typing import Final

from ._constants import (
    API_KEY_ENV,
    API_KEYS_ENV,
    DASHBOARD_TOKEN_ENV,
    DEFAULT_TOKEN_TTL,
    SECRET_ENV,
)
from ._hosts import is_loopback_name

# Import names of the `[local]` extra's packages, with the distribution each comes from.
REQUIRED_MODULES: Final = (
    ("starlette", "starlette"),
    ("uvicorn", "uvicorn"),
    ("jwt", "PyJWT"),
    ("jinja2", "jinja2"),
)
INSTALL_HINT: Final = (
    "memoram-local: the local server needs {missing};"
    ' install it with: pip install "memoram-async[local]"'
)


def missing_dependencies() -> list[str]:
    """The distributions of the `[local]` extra that cannot be imported."""
    missing = []
    for module, distribution in REQUIRED_MODULES:
        try:
            importlib.import_module(module)
        except ImportError:
            missing.append(distribution)
    return missing


def secret_options_on_command_line(args: argparse.Namespace) -> list[str]:
    """The secret-carrying options given as arguments (each gets a warning)."""
    given = {
        "--api-key": bool(args.api_keys),
        "--secret": args.secret is not None,
        "--dashboard-token": args.dashboard_token is not None,
    }
    return [option for option, present in given.items() if present]


def _read_lines(path: str) -> list[str]:
    with open(path, encoding="utf-8") as file:
        lines = [line.strip() for line in file]
    return [line for line in lines if line and not line.startswith("#")]


def resolve_secrets(
    args: argparse.Namespace, environ: Mapping[str, str] | None = None
) -> tuple[list[str], str | None, str | None]:
    """API keys, JWT secret and dashboard token from the options, their files or environment
    variables (in that order of precedence)."""
    env = os.environ if environ is None else environ
    keys = list(args.api_keys or [])
    if args.api_key_file:
        keys += _read_lines(args.api_key_file)
        if not keys:
            raise ValueError(f"--api-key-file {args.api_key_file} holds no key")
    if not keys:
        keys = [key for key in env.get(API_KEYS_ENV, "").split(",") if key.strip()]
        keys += [env[API_KEY_ENV]] if env.get(API_KEY_ENV, "").strip() else []
    secret = args.secret
    if secret is None and args.secret_file:
        lines = _read_lines(args.secret_file)
        if not lines:
            raise ValueError(f"--secret-file {args.secret_file} is empty")
        secret = lines[0]
    if secret is None:
        secret = env.get(SECRET_ENV) or None
    token = args.dashboard_token or env.get(DASHBOARD_TOKEN_ENV) or None
    return keys, secret, token


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="memoram-local",
        description="A local Memoram API server for development and tests (not for production).",
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="port, 0 for a free one (8765)")
    parser.add_argument(
        "--db", default=":memory:", help="SQLite file (survives restarts); default in memory"
    )
    parser.add_argument(
        "--api-key",
        action="append",
        dest="api_keys",
        metavar="KEY",
        help=f"accepted developer API key (repeatable; also {API_KEYS_ENV}, comma-separated,"
        f" or {API_KEY_ENV});"
        " the documented development key when none",
    )
    parser.add_argument(
        "--token-ttl",
        type=int,
        default=DEFAULT_TOKEN_TTL,
        metavar="SECONDS",
        help="longest developer-token lifetime (default 3600)",
    )
    parser.add_argument(
        "--auto-approve", action="store_true", help="approve new access requests at once"
    )
    parser.add_argument(
        "--faults",
        metavar="SPEC",
        help='inject faults, e.g. "error_rate=0.1,rate_limit_rate=0.05,reset_rate=0.05,'
        'latency_ms=20,slow_rate=0.02,slow_ms=3000"',
    )
    parser.add_argument("--seed", type=int, help="seed of the fault generator (reproducible runs)")
    parser.add_argument(
        "--api-key-file",
        metavar="PATH",
        help="read accepted API keys from a file, one per line (# comments allowed)",
    )
    parser.add_argument(
        "--secret",
        help=f"JWT signing secret (default: random per process; also {SECRET_ENV})",
    )
    parser.add_argument(
        "--secret-file", metavar="PATH", help="read the JWT signing secret from a file"
    )
    parser.add_argument(
        "--dashboard-token",
        metavar="TOKEN",
        help=f"fixed token for /local (default: random per process; also {DASHBOARD_TOKEN_ENV})",
    )
    parser.add_argument(
        "--allow-host",
        action="append",
        dest="allowed_hosts",
        default=[],
        metavar="NAME",
        help="also answer requests addressed to this host name (repeatable); by default only"
        " localhost, 127.0.0.1 and [::1] are answered, against DNS rebinding",
    )
    parser.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow a --host that is not loopback (the server is a development tool)",
    )
    parser.add_argument(
        "--log-level",
        default="warning",
        choices=["critical", "error", "warning", "info", "debug"],
        help="uvicorn log level (default warning)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the local server until Ctrl-C or SIGTERM; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not is_loopback_name(args.host) and not args.allow_remote:
        parser.error(
            f"--host {args.host} is not a loopback address; the local server is a development"
            " tool with a public development key. Pass --allow-remote to serve it anyway."
        )
    if not 0 <= args.port <= 65535:
        parser.error("--port must be between 0 and 65535")
    for option in secret_options_on_command_line(args):
        print(
            f"memoram-local: warning: {option} on the command line is visible to other users"
            " of this machine (ps, /proc/PID/cmdline); use its environment variable or file"
            " option instead.",
            file=sys.stderr,
        )
    try:
        args.api_keys, args.secret, args.dashboard_token = resolve_secrets(args)
    except (OSError, ValueError) as exc:
        parser.error(str(exc))
    missing = missing_dependencies()
    if missing:
        print(INSTALL_HINT.format(missing=", ".join(missing)), file=sys.stderr)
        return 2
    from ._serve import serve

    return serve(args, parser)
