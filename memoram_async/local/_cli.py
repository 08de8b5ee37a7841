"""The `memoram-local` command (also `python -m memoram_async.local`)."""

from __future__ import annotations

import argparse
import ipaddress
import signal
import sys
from collections.abc import Callable, Sequence
from types import FrameType

import uvicorn

from ._app import API_PREFIX, create_app
from ._config import API_KEYS_ENV, DEFAULT_TOKEN_TTL, DEV_API_KEY, api_keys_from_env
from ._runner import bind_socket, format_url, uvicorn_config

URL_LINE = "Memoram local server: {base_url}"
KEY_LINE = "API key: {api_key}"


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
        help=f"accepted developer API key (repeatable; also {API_KEYS_ENV}, comma-separated);"
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
    parser.add_argument("--secret", help="JWT signing secret (default: random per process)")
    parser.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow a --host that is not loopback (the /local endpoints have no auth)",
    )
    parser.add_argument(
        "--log-level",
        default="warning",
        choices=["critical", "error", "warning", "info", "debug"],
        help="uvicorn log level (default warning)",
    )
    return parser


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _AnnouncingServer(uvicorn.Server):
    """uvicorn's server, printing the address once it accepts connections."""

    def __init__(self, config: uvicorn.Config, announce: Callable[[], None]) -> None:
        super().__init__(config)
        self._announce = announce

    async def startup(self, sockets: list[object] | None = None) -> None:  # type: ignore[override]
        await super().startup(sockets)  # type: ignore[arg-type]
        if self.started:
            self._announce()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the local server until Ctrl-C or SIGTERM; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not _is_loopback(args.host) and not args.allow_remote:
        parser.error(
            f"--host {args.host} is not a loopback address; the local server has unauthenticated"
            " dashboard endpoints. Pass --allow-remote to serve it anyway."
        )
    if not 0 <= args.port <= 65535:
        parser.error("--port must be between 0 and 65535")
    keys = args.api_keys or api_keys_from_env()
    try:
        app = create_app(
            api_keys=keys,
            db=args.db,
            token_ttl=args.token_ttl,
            auto_approve=args.auto_approve,
            faults=args.faults,
            seed=args.seed,
            secret=args.secret,
        )
    except ValueError as exc:
        parser.error(str(exc))
    try:
        sock = bind_socket(args.host, args.port)
    except OSError as exc:
        app.close()
        print(f"memoram-local: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    url = format_url(args.host, sock.getsockname()[1])

    def announce() -> None:
        print(URL_LINE.format(base_url=url + API_PREFIX), flush=True)
        if app.config.api_keys == (DEV_API_KEY,):
            print(KEY_LINE.format(api_key=DEV_API_KEY), flush=True)
        else:
            # Keys the user chose are secrets: never echo them.
            print(f"API keys: {len(app.config.api_keys)} configured", flush=True)
        print(f"Dashboard: {url}/local/ (open it in a browser to approve access requests)")
        print("Press Ctrl-C to stop.", flush=True)

    # uvicorn re-raises the signal that stopped it once it has shut down; these handlers
    # make that a no-op, so Ctrl-C and SIGTERM end with status 0.
    def ignore(signum: int, frame: FrameType | None) -> None:
        return None

    previous = {sig: signal.signal(sig, ignore) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        server = _AnnouncingServer(uvicorn_config(app, log_level=args.log_level), announce)
        server.run(sockets=[sock])
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        sock.close()
        app.close()
    return 0 if server.started else 1
