"""Limits on the public widget socket: messages per connection and per client, new connections
per client (the `limits` package, in Redis when configured) and open connections per client (in
this process). A flood gets a Chinese error frame, never the bot's or the store's time."""
from __future__ import annotations

import collections
import uuid

from desk.errors import DeskError
from desk.security.rate_limits import ClientLimiter, RateLimited
from desk.settings import DeskSettings


class StaffAvailable(DeskError):
    """A message left while people are answering chats: the user should ask one of them."""

    code = "staff_available"
    status = 409


class TooManyConnections(DeskError):
    code = "too_many_connections"
    status = 429


# Frames that store something or reach the bot or the staff; ping and hello are cheap.
COUNTED_FRAMES = frozenset({"message", "handoff", "leave_message", "rate", "end"})


class WidgetGuard:
    def __init__(self, settings: DeskSettings) -> None:
        slow_down = "您发送得太快了，请约 {seconds} 秒后再试。"
        self._connection_messages = ClientLimiter(settings.widget_message_limit, setting="DAOFU_WIDGET_MESSAGE_LIMIT",
                                                  message=slow_down)  # per connection: this process only
        self._client_messages = ClientLimiter(settings.widget_client_message_limit, redis_url=settings.redis_url,
                                              setting="DAOFU_WIDGET_CLIENT_MESSAGE_LIMIT", message=slow_down)
        self._connections = ClientLimiter(settings.widget_connection_limit, redis_url=settings.redis_url,
                                          setting="DAOFU_WIDGET_CONNECTION_LIMIT",
                                          message="连接过于频繁，请约 {seconds} 秒后再试。")
        self._max_open = settings.widget_max_connections
        self._open: collections.Counter[str] = collections.Counter()

    def connect(self, client: str) -> str:
        """Admit a new connection from ``client``; its key for ``frame`` and ``disconnect``."""
        if self._open[client] >= self._max_open:
            raise TooManyConnections("同一网络打开的对话窗口过多，请关闭不用的窗口后再试。")
        try:
            self._connections.check(client, "widget-connect")
        except RateLimited as error:
            raise TooManyConnections(str(error)) from error
        self._open[client] += 1
        return uuid.uuid4().hex

    def disconnect(self, client: str) -> None:
        self._open[client] -= 1
        if self._open[client] <= 0:
            del self._open[client]

    def frame(self, kind: str, client: str, connection: str) -> None:
        """Count one frame; RateLimited (an error frame) beyond a limit."""
        if kind not in COUNTED_FRAMES:
            return
        self._connection_messages.check(connection, "widget-connection")
        self._client_messages.check(client, "widget-client")
