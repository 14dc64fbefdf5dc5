"""Local stand-ins for the notice providers, on loopback: a small HTTP server that answers
as signal-cli-rest-api or Twilio's REST API does, and records what it received (method,
path, headers, body) and its own access log. `answer` switches it to an error answer or
to a reply slower than the client's timeout (a real timeout)."""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

TWILIO_SID = "AC" + "0" * 32
TWILIO_TOKEN = "test-token-not-real"
SLOW_SECONDS = 3.0
TWILIO_FINAL = ("delivered", "undelivered", "failed", "sent")


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> dict[str, list[str]]:
        return parse_qs(self.body.decode("utf-8"), keep_blank_values=True)


@dataclass
class ProviderServer:
    kind: str  # "signal" or "twilio"
    url: str = ""
    answer: str = "ok"  # "ok", "error" or "slow"
    received: list[Received] = field(default_factory=list)
    log_lines: list[str] = field(default_factory=list)
    # Twilio: each message's status by SID ("queued" when created; a test makes it final).
    # A DELETE is refused (error 20009) until the message is final, as Twilio does.
    messages: dict[str, str] = field(default_factory=dict)

    def bodies(self) -> str:
        return "\n".join(r.body.decode("utf-8", errors="replace") for r in self.received)

    def log(self) -> str:
        return "\n".join(self.log_lines)

    def sends(self) -> list[Received]:
        if self.kind == "signal":
            return [r for r in self.received if r.path == "/v2/send"]
        return [r for r in self.received if r.path.endswith("/Messages.json")]


def _handler(provider: ProviderServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            provider.log_lines.append(format % args)

        def do_DELETE(self) -> None:
            provider.received.append(
                Received("DELETE", self.path, {k: v for k, v in self.headers.items()}, b"")
            )
            sid = self.path.rsplit("/", 1)[-1].removesuffix(".json")
            status = provider.messages.get(sid)
            if status is None:
                self._send(404, {"code": 20404, "message": "not found", "status": 404})
            elif status not in TWILIO_FINAL:
                self._send(
                    409,
                    {
                        "code": 20009,
                        "message": "Cannot delete this resource before it is complete",
                        "more_info": "https://www.twilio.com/docs/errors/20009",
                        "status": 409,
                    },
                )
            else:
                del provider.messages[sid]
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            provider.received.append(
                Received("POST", self.path, {k: v for k, v in self.headers.items()}, body)
            )
            if provider.answer == "slow":
                time.sleep(SLOW_SECONDS)
            if provider.kind == "signal":
                self._signal()
            else:
                self._twilio(body)

        def _send(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode("utf-8")
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (the timeout test)

        def _signal(self) -> None:
            if provider.answer == "error":
                self._send(400, {"error": "Failed to send message: unregistered user"})
            else:
                self._send(201, {"timestamp": str(int(time.time() * 1000))})

        def _twilio(self, body: bytes) -> None:
            expected = "Basic " + base64.b64encode(f"{TWILIO_SID}:{TWILIO_TOKEN}".encode()).decode(
                "ascii"
            )
            if self.headers.get("Authorization") != expected:
                self._send(401, {"code": 20003, "message": "Authenticate", "status": 401})
                return
            if provider.answer == "error":
                self._send(
                    400,
                    {
                        "code": 21211,
                        "message": "The 'To' number is not a valid phone number.",
                        "more_info": "https://www.twilio.com/docs/errors/21211",
                        "status": 400,
                    },
                )
                return
            form = parse_qs(body.decode("utf-8"), keep_blank_values=True)
            sid = f"SM{len(provider.messages) + 1:032d}"
            provider.messages[sid] = "queued"
            self._send(
                200 if "/Messages/" in self.path else 201,
                {
                    "sid": sid,
                    "account_sid": TWILIO_SID,
                    "status": "queued",
                    "body": form.get("Body", [""])[0],
                    "num_segments": "1",
                    "direction": "outbound-api",
                    "uri": f"/2010-04-01/Accounts/{TWILIO_SID}/Messages/{sid}.json",
                },
            )

    return Handler


@contextmanager
def provider_server(kind: str) -> Iterator[ProviderServer]:
    provider = ProviderServer(kind)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(provider))
    server.daemon_threads = True
    server.block_on_close = False
    provider.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@contextmanager
def silent_server() -> Iterator[str]:
    """A server on loopback that accepts connections and never answers (a hung provider):
    its URL, for a backend whose timeout then runs out."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(timeout=5)
        for connection in held:
            connection.close()
        listener.close()
