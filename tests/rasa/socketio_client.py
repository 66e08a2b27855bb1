"""A socket.io conversation with a running Rasa server, as a web-chat widget holds it.

Run with the Rasa environment's Python (it has python-socketio, and websocket-client from
requirements/rasa.lock for the websocket transport; the project environment has neither):

    .venv-rasa/bin/python tests/rasa/socketio_client.py URL SESSION_ID MESSAGE...

Connects to URL/socket.io (long-polling, then the websocket upgrade, as socket.io-client does),
asks for session SESSION_ID (session_request / session_confirm, as rasa-webchat does), sends each
message as `user_uttered` and collects the `bot_uttered` events. A turn is over when Rasa's tracker
(HTTP API) holds the message: Rasa saves the tracker once per turn, after every reply of the turn
was emitted. Prints one JSON object: the transport used and, per turn, the message, whether Rasa
stored it, and the events received.

The synchronous client is used because python-socketio's asyncio client needs aiohttp >= 3.11 for
websockets, and Rasa 3.6 pins aiohttp 3.9.
"""
from __future__ import annotations

import argparse
import json
import os
import threading
import time
import urllib.parse
import urllib.request
from typing import Any

import socketio

TURN_TIMEOUT_S = 60.0
# Events emitted before the tracker was saved may still be on the wire when the tracker shows it.
IN_FLIGHT_GRACE_S = 0.5


def stored_user_turns(url: str, session_id: str) -> int:
    with urllib.request.urlopen(
            f"{url}/conversations/{session_id}/tracker?{urllib.parse.urlencode({'token': os.environ.get('DAOFU_RASA_TOKEN', '')})}",
            timeout=10) as response:
        tracker = json.loads(response.read())
    return sum(1 for event in tracker.get("events") or [] if event.get("event") == "user")


def converse(url: str, session_id: str, messages: list[str]) -> dict[str, Any]:
    client = socketio.Client()
    received: list[dict[str, Any]] = []
    confirmed = threading.Event()
    client.on("session_confirm", lambda data: confirmed.set())
    client.on("bot_uttered", received.append)

    client.connect(url, socketio_path="/socket.io", wait_timeout=TURN_TIMEOUT_S)
    turns: list[dict[str, Any]] = []
    try:
        client.emit("session_request", {"session_id": session_id})
        if not confirmed.wait(TURN_TIMEOUT_S):
            raise TimeoutError(f"no session_confirm for {session_id} in {TURN_TIMEOUT_S}s")
        # The empty message rasa-webchat sends on opening must be ignored, not stored as a turn.
        client.emit("user_uttered", {"message": "", "session_id": session_id})
        for number, message in enumerate(messages, start=1):
            first = len(received)
            started = time.monotonic()
            client.emit("user_uttered", {"message": message, "session_id": session_id,
                                         "metadata": {"page": "socketio-test"}})
            stored = False
            while time.monotonic() - started < TURN_TIMEOUT_S:
                if stored_user_turns(url, session_id) >= number:
                    stored = True
                    break
                time.sleep(0.2)
            time.sleep(IN_FLIGHT_GRACE_S)
            turns.append({"message": message, "stored": stored, "seconds": round(time.monotonic() - started, 2),
                          "events": received[first:]})
            if not stored:
                break  # later turns would be counted against this one
        transport = client.transport()
    finally:
        client.disconnect()
    return {"transport": transport, "turns": turns}


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("session_id")
    parser.add_argument("messages", nargs="+")
    arguments = parser.parse_args()
    print(json.dumps(converse(arguments.url, arguments.session_id, arguments.messages), ensure_ascii=False))


if __name__ == "__main__":
    main()
