"""The load clients: processes of threads, each thread one keep-alive HTTP connection,
driving one endpoint for a fixed time. Loopback only."""

from __future__ import annotations

import http.client
import json
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

CSRF = "loadbenchcsrfsecret0123456789abc"  # 32 characters: Django accepts it as a token
Request = tuple[str, str, dict[str, str], bytes]


@dataclass
class Tally:
    statuses: Counter[int] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        self.statuses.update(other.statuses)
        self.errors.update(other.errors)
        self.latencies.extend(other.latencies)


def _forwarded(rng: random.Random) -> dict[str, str]:
    # A different client address on every request: the per-address limit is lifted this
    # way for the run (TRUSTED_PROXY_COUNT=1), and stays on for the site.
    return {
        "X-Forwarded-For": f"127.{rng.randint(1, 254)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
    }


def _session(key: str) -> dict[str, str]:
    return {"Cookie": f"sessionid={key}; csrftoken={CSRF}"}


def _form_post(path: str, fields: dict[str, Any], headers: dict[str, str]) -> Request:
    body = urlencode({**fields, "csrfmiddlewaretoken": CSRF}, doseq=True).encode()
    return (
        "POST",
        path,
        {
            **headers,
            "Cookie": headers.get("Cookie", f"csrftoken={CSRF}"),
            "Content-Type": "application/x-www-form-urlencoded",
        },
        body,
    )


def build_request(endpoint: str, world: dict[str, Any], rng: random.Random, n: int) -> Request:
    """One request of `endpoint`; `n` makes contacts unique across the run."""
    organizer = world["organizer"]
    driver = rng.choice(world["drivers"])
    token = {"Authorization": f"Token {organizer['token']}"}
    # A phone and an address no other request of the run has (a repeated one is a
    # possible duplicate): n is thread * 1_000_000 + count, a thread is process * 1000 +
    # its index, and each writing endpoint has its own area code.
    thread, count = divmod(n, 1_000_000)
    area = {"form POST": "651", "public API POST": "763"}.get(endpoint, "952")
    phone = f"{area}-{thread // 1000 % 10}{thread % 1000:02d}-{count % 10_000:04d}"
    family = {
        "postal_code": rng.choice(world["postal_codes"]),
        "adults": 2,
        "children": 1,
        "infants": 0,
        "fulfilment": "delivery",
        "name": f"Load {n}",
        "phone": phone,
        "address": f"{phone} Load Avenue",
        "reach": "call",
    }
    item = rng.choice(world["item_ids"])
    match endpoint:
        case "bare read":
            return ("GET", "/_load/bare/", _session(organizer["session"]), b"")
        case "bare insert":
            return _form_post("/_load/insert/", {}, {})
        case "form GET":
            return ("GET", "/request/", {}, b"")
        case "form POST":
            fields = {**family, "consent": "on", f"item_{item}": 1}
            return _form_post("/request/", fields, _forwarded(rng))
        case "public API POST":
            body = json.dumps({**family, "lines": [{"item": item, "quantity": 1}]}).encode()
            headers = {**_forwarded(rng), "Content-Type": "application/json"}
            return ("POST", "/api/v1/public/requests/", headers, body)
        case "status page":
            # Status lookups are limited per address too (60 an hour): lifted the same way.
            return ("GET", rng.choice(world["status_paths"]), _forwarded(rng), b"")
        case "driver board":
            return ("GET", "/drive/", _session(driver["session"]), b"")
        case "route page":
            return ("GET", f"/drive/routes/{driver['route_id']}/", _session(driver["session"]), b"")
        case "claim (API)":
            route = rng.choice(world["open_routes"])
            headers = {"Authorization": f"Token {driver['token']}"}
            return ("POST", f"/api/v1/routes/{route}/claim/", headers, b"")
        case "dashboard":
            return ("GET", "/dashboard/", _session(organizer["session"]), b"")
        case "stock page":
            return ("GET", "/inventory/", _session(organizer["session"]), b"")
        case "request queue":
            return ("GET", "/requests/", _session(organizer["session"]), b"")
        case "API stock list":
            return ("GET", "/api/v1/stock/", token, b"")
        case "API request list":
            return ("GET", "/api/v1/requests/", token, b"")
        case "API route list":
            return ("GET", "/api/v1/routes/", token, b"")
        case "public needs API":
            return ("GET", "/api/v1/public/needs/", {}, b"")
    raise ValueError(endpoint)


def _client(
    endpoint: str, world: dict[str, Any], port: int, until: float, seed: int, tally: Tally
) -> None:
    rng = random.Random(seed)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    n = seed * 1_000_000
    while time.monotonic() < until:
        n += 1
        method, path, headers, body = build_request(endpoint, world, rng, n)
        started = time.monotonic()
        try:
            connection.request(method, path, body=body or None, headers=headers)
            response = connection.getresponse()
            response.read()
        except (OSError, http.client.HTTPException) as error:
            tally.errors[type(error).__name__] += 1
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            continue
        tally.latencies.append(time.monotonic() - started)
        tally.statuses[response.status] += 1
        if response.will_close:
            connection.close()
    connection.close()


def run_process(
    endpoint: str, world: dict[str, Any], port: int, threads: int, seconds: float, seed: int
) -> Tally:
    """One client process: `threads` connections for `seconds`."""
    until = time.monotonic() + seconds
    tallies = [Tally() for _ in range(threads)]
    workers = [
        threading.Thread(
            target=_client, args=(endpoint, world, port, until, seed * 1000 + i, tallies[i])
        )
        for i in range(threads)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    total = Tally()
    for tally in tallies:
        total.add(tally)
    return total
