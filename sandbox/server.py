"""The sandbox's app and the ways to run it: in a background thread, in a loop, or forever."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.routing import BaseRoute, Route

from sandbox import pages, sim, sim_people, sim_webapp
from sandbox.botapi import bot_api_endpoint, file_download, test_bot_api_endpoint
from sandbox.persistence import StateKeeper
from sandbox.settings import make_settings
from sandbox.state import Sandbox

START_TIMEOUT_SECONDS = 10.0


def create_app(
    limits: str = "telegram",
    *,
    webhook_secret_checker: Callable[[str | None], bool] | None = None,
    extra_routes: Sequence[BaseRoute] = (),
    **settings: Any,
) -> Starlette:
    """Build the sandbox app; `settings` override SandboxSettings fields (e.g. per_bot_per_second).

    `webhook_secret_checker(secret_token)` may refuse secrets in setWebhook (return False) on top
    of Telegram's own rule (1-256 characters of A-Z, a-z, 0-9, _ and -). `extra_routes` are
    served too (e.g. the demo's simulated checkout). The state is at `app.state.sandbox`.
    With `state_dir=`, the state saved there is loaded now and kept saved while the app runs
    (sandbox/persistence.py); OSError if that directory cannot be used.
    """
    sandbox = Sandbox(make_settings(**settings), limits, webhook_secret_checker)
    keeper = None
    if sandbox.settings.state_dir is not None:
        keeper = StateKeeper(sandbox, sandbox.settings.state_dir)
        keeper.load()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        sandbox.closing = False
        if keeper is not None:
            keeper.start()
        yield
        sandbox.close()
        if keeper is not None:
            await keeper.stop()

    routes = [
        Route("/bot{token}/{method}", bot_api_endpoint, methods=["GET", "POST"]),
        Route("/bot{token}/test/{method}", test_bot_api_endpoint, methods=["GET", "POST"]),
        Route("/file/bot{token}/{path:path}", file_download, methods=["GET"]),
        Route("/", pages.chat_page, methods=["GET"]),
        Route("/static/sandbox/{path:path}", pages.static_file, methods=["GET"]),
        Route("/telegram-web-app.js", pages.telegram_web_app_js, methods=["GET"]),
        Route("/sim/users", sim_people.create_user, methods=["POST"]),
        Route("/sim/users", sim_people.list_users, methods=["GET"]),
        Route("/sim/users/{user_id}", sim_people.get_user, methods=["GET"]),
        Route("/sim/users/{user_id}/messages", sim_people.send_user_message, methods=["POST"]),
        Route("/sim/users/{user_id}/callbacks", sim_people.press_button, methods=["POST"]),
        Route("/sim/users/{user_id}/inline", sim_people.inline_query, methods=["POST"]),
        Route(
            "/sim/users/{user_id}/inline/choose",
            sim_people.choose_inline_result,
            methods=["POST"],
        ),
        Route("/sim/users/{user_id}/webapp", sim_webapp.open_web_app, methods=["POST"]),
        Route("/sim/users/{user_id}/open-link", sim_webapp.open_link, methods=["POST"]),
        Route(
            "/sim/users/{user_id}/write-access",
            sim_webapp.request_write_access,
            methods=["POST"],
        ),
        Route(
            "/sim/users/{user_id}/prepared-messages/{prepared_id}",
            sim_webapp.get_prepared,
            methods=["GET"],
        ),
        Route(
            "/sim/users/{user_id}/prepared-messages/{prepared_id}/send",
            sim_webapp.send_prepared,
            methods=["POST"],
        ),
        Route("/sim/users/{user_id}/block", sim_people.block_bot, methods=["POST"]),
        Route("/sim/users/{user_id}/unblock", sim_people.unblock_bot, methods=["POST"]),
        Route("/sim/users/{user_id}/transcript", sim.transcript, methods=["GET"]),
        Route("/sim/events", sim.events, methods=["GET"]),
        Route("/sim/calls", sim.calls, methods=["GET"]),
        Route("/sim/faults", sim.arm_fault, methods=["POST"]),
        Route("/sim/faults", sim.list_faults, methods=["GET"]),
        Route("/sim/faults", sim.clear_faults, methods=["DELETE"]),
        Route("/sim/reset", sim.reset, methods=["POST"]),
        Route("/sim/commands", sim.commands, methods=["GET"]),
        Route("/sim/bots", sim.bots, methods=["GET"]),
        Route("/sim/bots/{bot_username}/apps", sim_webapp.register_app, methods=["POST"]),
        Route("/sim/bots/{bot_username}/apps", sim_webapp.list_apps, methods=["GET"]),
        Route("/sim/webapp/key", sim_webapp.public_key, methods=["GET"]),
        Route("/sim/webapp/themes", sim_webapp.themes, methods=["GET"]),
        Route("/sim/callbacks/{query_id}", sim.callback_answer, methods=["GET"]),
        Route("/sim/files/{file_id}", sim.file_content, methods=["GET"]),
        *extra_routes,
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.sandbox = sandbox
    return app


def _uvicorn_config(app: Starlette, host: str, port: int) -> uvicorn.Config:
    # log_config=None: the sandbox must not reconfigure the logging of the process hosting it.
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_config=None,
        log_level="warning",
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=3,
    )


def _bind(host: str, port: int) -> socket.socket:
    """Bind a listening TCP socket (port 0 = any free one); raise OSError if the port is taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP explicitly: asyncio only sets TCP_NODELAY on sockets that say they are TCP,
    # and without it every response waits ~40 ms for a delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    return sock


def _base_url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


class SandboxServer:
    """Runs the sandbox with uvicorn in a background THREAD with its own event loop.

    A busy bot loop in a test cannot stall it. Usable as a context manager.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        limits: str = "telegram",
        *,
        webhook_secret_checker: Callable[[str | None], bool] | None = None,
        extra_routes: Sequence[BaseRoute] = (),
        **settings: Any,
    ) -> None:
        self.host = host
        self.port = port  # 0 = pick a free port at start()
        self.app = create_app(
            limits,
            webhook_secret_checker=webhook_secret_checker,
            extra_routes=extra_routes,
            **settings,
        )
        self.sandbox: Sandbox = self.app.state.sandbox
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def url(self) -> str:
        """The sandbox's address, e.g. http://127.0.0.1:54321."""
        return _base_url(self.host, self.port)

    @property
    def bot_api_url(self) -> str:
        """What python-telegram-bot's base_url takes."""
        return self.url + "/bot"

    @property
    def test_bot_api_url(self) -> str:
        """base_url of Telegram's test environment, /bot<token>/test/<method>: http:// Web App
        URLs are accepted there (python-telegram-bot puts the token in for `{token}`)."""
        return self.url + "/bot{token}/test"

    @property
    def file_api_url(self) -> str:
        """What python-telegram-bot's base_file_url takes."""
        return self.url + "/file/bot"

    def start(self) -> None:
        """Start serving in a background thread; return once the server accepts connections."""
        sock = _bind(self.host, self.port)
        self.port = sock.getsockname()[1]
        server = self._server = uvicorn.Server(_uvicorn_config(self.app, self.host, self.port))

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(server.serve(sockets=[sock]))
            finally:
                loop.close()
                sock.close()

        self._thread = threading.Thread(target=run, name="sandbox-server", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the sandbox server did not start")
            time.sleep(0.01)

    def stop(self) -> None:
        """Stop serving: end long polls and event streams, then shut uvicorn down."""
        if self._server is None or self._thread is None:
            return
        if self._loop is not None and not self._loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop may close meanwhile
                self._loop.call_soon_threadsafe(self.sandbox.close)
        self._server.should_exit = True
        self._thread.join(START_TIMEOUT_SECONDS)
        self._server = self._thread = self._loop = None

    def __enter__(self) -> SandboxServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


async def serve(
    host: str,
    port: int,
    limits: str,
    *,
    extra_routes: Sequence[BaseRoute] = (),
    **settings: Any,
) -> None:
    """Run the sandbox in the current event loop until cancelled (for `vitrine run`)."""
    app = create_app(limits, extra_routes=extra_routes, **settings)
    sock = _bind(host, port)
    server = uvicorn.Server(_uvicorn_config(app, host, port))
    task = asyncio.ensure_future(server.serve(sockets=[sock]))
    try:
        await asyncio.shield(task)
    except asyncio.CancelledError:
        app.state.sandbox.close()
        server.should_exit = True
        await task
        raise
    finally:
        sock.close()


def run_forever(
    host: str = "127.0.0.1",
    port: int = 8081,
    limits: str = "telegram",
    state_dir: Path | None = None,
) -> None:
    """Run the sandbox in the foreground until interrupted (for `vitrine sandbox`)."""
    print(
        f"Sandbox Bot API at {_base_url(host, port)}/bot<token>/<method>; chat page at "
        f"{_base_url(host, port)}/",
        flush=True,
    )
    if state_dir is not None:
        print(f"Sandbox state kept in {state_dir}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(host, port, limits, state_dir=state_dir))
