"""Redis that is not there, for real: a port that refuses, a listener that never answers.

Both listen on 127.0.0.1 only and are context managers that yield the port.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

MAX_HELD_CONNECTIONS = 1000


@contextmanager
def refused_port() -> Iterator[int]:
    """A port held but never listened on: a connection is refused at once."""
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        yield held.getsockname()[1]


@contextmanager
def silent_listener() -> Iterator[int]:
    """A listener that accepts every connection (up to a bound) and never answers."""
    stop = threading.Event()
    accepted: list[socket.socket] = []
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    listener.settimeout(0.2)

    def accept() -> None:
        while not stop.is_set() and len(accepted) < MAX_HELD_CONNECTIONS:
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join(timeout=5)
        for held in accepted:
            held.close()
        listener.close()
