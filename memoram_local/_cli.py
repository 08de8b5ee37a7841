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
from typing import Final, NoReturn

from ._cli_checks import (
    FAULTS_FORM,
    UsageError,
    check_allowed_host,
    check_db,
    check_env_not_empty,
    check_faults,
    check_host,
    check_not_empty,
    read_lines,
)
from ._constants import (
    API_KEY_ENV,
    API_KEYS_ENV,
    DASHBOARD_TOKEN_ENV,
    DEFAULT_TOKEN_TTL,
    SECRET_ENV,
)

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


def resolve_secrets(
    args: argparse.Namespace, environ: Mapping[str, str] | None = None
) -> tuple[list[str], str | None, str | None]:
    """API keys, JWT secret and dashboard token from the options, their files or environment
    variables (in that order of precedence).

    A source that is given but empty is refused (UsageError) rather than skipped: an empty
    `--api-key ""` must not quietly leave the server on the public development key.
    """
    env = os.environ if environ is None else environ
    dev_key = "the development key"
    for key in args.api_keys or []:
        check_not_empty(key, "--api-key", dev_key)
    keys = [key.strip() for key in args.api_keys or []]
    if args.api_key_file:
        keys += read_lines(args.api_key_file, "--api-key-file", "a file with one key per line")
    if not keys:
        check_env_not_empty(env, API_KEYS_ENV, dev_key)
        check_env_not_empty(env, API_KEY_ENV, dev_key)
        keys = [key.strip() for key in env.get(API_KEYS_ENV, "").split(",") if key.strip()]
        keys += [env[API_KEY_ENV].strip()] if env.get(API_KEY_ENV, "").strip() else []
    check_not_empty(args.secret, "--secret", "a random secret")
    secret = args.secret
    if secret is None and args.secret_file:
        secret = read_lines(args.secret_file, "--secret-file", "a file with the secret")[0]
    if secret is None:
        check_env_not_empty(env, SECRET_ENV, "a random secret")
        secret = env.get(SECRET_ENV) or None
    check_not_empty(args.dashboard_token, "--dashboard-token", "a random token")
    token = args.dashboard_token
    if token is None:
        check_env_not_empty(env, DASHBOARD_TOKEN_ENV, "a random token")
        token = env.get(DASHBOARD_TOKEN_ENV) or None
    return keys, secret, token


class _OneLineParser(argparse.ArgumentParser):
    """argparse, with every usage error as one line (no usage block) and exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


_FAULTS_FORM_LINES: Final = FAULTS_FORM.replace(", e.g.", ";\n  e.g.")
_EPILOG: Final = f"""\
faults (--faults): {_FAULTS_FORM_LINES}
  error_rate          share of requests answered 500/503 (0..1)
  rate_limit_rate     share answered 429 with Retry-After (0..1)
  reset_rate          share whose connection is closed unanswered (0..1)
  latency_ms          delay added to every answer (ms)
  slow_rate           share delayed slow_ms more (0..1)
  slow_ms             the extra delay of slow answers (default 3000 ms)
  reset_after_share   share of resets that run the request first (0.5)
  retry_after_date_rate  share of 429s with an HTTP-date Retry-After (0)
"""


def _parser() -> argparse.ArgumentParser:
    parser = _OneLineParser(
        prog="memoram-local",
        description="A local Memoram API server for development and tests (not for production).",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="port, 0 for a free one (8765)")
    parser.add_argument(
        "--db",
        default=":memory:",
        metavar="PATH",
        help="SQLite file (survives restarts); default in memory",
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
        help="inject faults: comma-separated name=value pairs (see faults below)",
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


def _check(args: argparse.Namespace) -> None:
    """Every check that needs no server dependency; raises UsageError."""
    if not args.host.strip():
        raise UsageError("--host is empty; give an interface such as 127.0.0.1 (the default)")
    if not 0 <= args.port <= 65535:
        raise UsageError("--port must be between 0 and 65535 (0 picks a free port)")
    if args.token_ttl < 1:
        raise UsageError("--token-ttl must be a positive number of seconds, e.g. --token-ttl 600")
    for name in args.allowed_hosts:
        check_allowed_host(name)
    check_faults(args.faults)
    check_db(args.db)
    # Last: it may ask the resolver, which the cheaper mistakes above need not wait for.
    args.bind_host = check_host(args.host, allow_remote=args.allow_remote)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the local server until Ctrl-C or SIGTERM; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        _check(args)
        # Warned about once the server can start: a refusal stays the only line.
        args.command_line_secrets = secret_options_on_command_line(args)
        args.api_keys, args.secret, args.dashboard_token = resolve_secrets(args)
    except UsageError as exc:
        # The message already says what to do: no "see --help" after it.
        parser.exit(2, f"{parser.prog}: error: {exc}\n")
    missing = missing_dependencies()
    if missing:
        print(INSTALL_HINT.format(missing=", ".join(missing)), file=sys.stderr)
        return 2
    from ._serve import serve

    return serve(args, parser)
