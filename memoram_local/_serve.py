"""Serve the app the command line describes, announcing its address once it listens."""

from __future__ import annotations

import argparse
import signal
import sqlite3
import sys
from collections.abc import Callable
from types import FrameType

import uvicorn

from ._app import create_app
from ._cli_checks import COMMAND_LINE_WARNING, bind_error
from ._constants import DEV_API_KEY
from ._routes import API_PREFIX
from ._runner import bind_socket, format_url, uvicorn_config

URL_LINE = "Memoram local server: {base_url}"
KEY_LINE = "API key: {api_key}"
DASHBOARD_LINE = "Dashboard: {url}/local/?token={token}"


class _AnnouncingServer(uvicorn.Server):
    """uvicorn's server, printing the address once it accepts connections."""

    def __init__(self, config: uvicorn.Config, announce: Callable[[], None]) -> None:
        super().__init__(config)
        self._announce = announce

    async def startup(self, sockets: list[object] | None = None) -> None:  # type: ignore[override]
        await super().startup(sockets)  # type: ignore[arg-type]
        if self.started:
            self._announce()


def _fail(parser: argparse.ArgumentParser, message: str) -> int:
    # One line, status 2: the message says what to do.
    print(f"{parser.prog}: error: {message}", file=sys.stderr)
    return 2


def serve(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """Run the server for parsed command-line `args`; returns the exit status."""
    try:
        app = create_app(
            api_keys=args.api_keys,
            db=args.db,
            token_ttl=args.token_ttl,
            auto_approve=args.auto_approve,
            faults=args.faults,
            seed=args.seed,
            secret=args.secret,
            allowed_hosts=args.allowed_hosts,
            dashboard_token=args.dashboard_token,
        )
    except ValueError as exc:
        return _fail(parser, str(exc))
    except (sqlite3.Error, OSError) as exc:
        reason = (exc.strerror if isinstance(exc, OSError) else None) or str(exc)
        return _fail(parser, f"--db {args.db} cannot be used: {reason}; choose another path")
    # The address the loopback check resolved --host to, not the name again.
    host = getattr(args, "bind_host", args.host)
    try:
        sock = bind_socket(host, args.port)
    except OSError as exc:
        app.close()
        return _fail(parser, bind_error(host, args.port, exc))
    for option in getattr(args, "command_line_secrets", ()):
        print(COMMAND_LINE_WARNING.format(option=option), file=sys.stderr)
    url = format_url(host, sock.getsockname()[1])

    def announce() -> None:
        print(URL_LINE.format(base_url=url + API_PREFIX), flush=True)
        if app.config.api_keys == (DEV_API_KEY,):
            print(KEY_LINE.format(api_key=DEV_API_KEY), flush=True)
        else:
            # Keys the user chose are secrets: never echo them.
            print(f"API keys: {len(app.config.api_keys)} configured", flush=True)
        print(DASHBOARD_LINE.format(url=url, token=app.config.dashboard_token), flush=True)
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
