"""rasa-sdk's real Sanic app with the knowledge routes, served on a free loopback port from a thread
(sanic-testing is not installed): the desk's client and the routes' tests talk real HTTP to it."""
from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import Iterator
from typing import Any

from rasa_sdk.endpoint import create_app
from rasa_sdk.executor import ActionExecutor
from sanic import Sanic

from actions.knowledge_api import KnowledgeApiSettings, ServedKnowledge, attach

# What sanic-testing sets: several apps in one process (each test makes one) may rewrite Sanic's
# HTTP methods for themselves (its "touchup") and share the name rasa-sdk gives every app.
Sanic.test_mode = True


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def knowledge_app(service: ServedKnowledge, token: str = "") -> Sanic:
    """rasa-sdk's app (``create_app``, as the action server builds it) with the routes over ``service``."""
    app = create_app(ActionExecutor())
    attach(app, KnowledgeApiSettings(token=token), lambda: service)
    return app


@contextlib.contextmanager
def serving(app: Sanic, port: int | None = None) -> Iterator[str]:
    """Serve ``app`` until the block ends (on ``port``, default a free one); yields its base URL."""
    port = port or free_port()
    started = threading.Event()
    state: dict[str, Any] = {}

    def run() -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)

        async def main() -> None:
            server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True)
            assert server is not None
            await server.startup()
            state["server"], state["loop"] = server, loop
            started.set()
            with contextlib.suppress(asyncio.CancelledError):
                await server.serve_forever()

        try:
            loop.run_until_complete(main())
        except BaseException as error:  # shown by the assertion below
            state["error"] = error
        finally:
            started.set()
            loop.close()

    thread = threading.Thread(target=run, name="action-server", daemon=True)
    thread.start()
    assert started.wait(30) and "server" in state, f"the action server did not start: {state.get('error')!r}"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server, loop = state["server"], state["loop"]

        async def stop() -> None:
            server.close()
            for connection in list(server.connections):  # as a stopped process would: no kept-alive ones
                connection.abort()
            await server.wait_closed()

        asyncio.run_coroutine_threadsafe(stop(), loop).result(10)
        thread.join(10)
        Sanic.unregister_app(app)
