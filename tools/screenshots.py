"""Screenshots for the README, taken from the real app: `make screenshots`.

Starts the site as `make run` does (SQLite, demo data) but in a temporary VAR_DIR, runs
the matching and route planning the background jobs would, logs in as the demo organizer
in Debian's Chromium (through Playwright; nothing downloads a browser) and saves PNGs of
the dashboard and the fullest route's packing list under docs/screenshots/.
Not part of `make test`.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WIDTH = 1000
MAX_HEIGHT = 1400  # keep the files small: the top of a long page is what a README needs
ROUTE = re.compile(r"/deliveries/routes/[0-9]+/$")
ORGANIZER = ("organizer", "demo-organizer-2026")  # deliveries/demo.py DEMO_LOGINS
# What the background jobs do after the demo's requests: set stock aside, plan routes.
PLAN = (
    "from household_requests.allocation import allocate_open_requests; "
    "from deliveries.planning import plan_routes; "
    "allocate_open_requests(); plan_routes()"
)


def manage(env: dict[str, str], *args: str) -> None:
    # Our own interpreter and manage.py, with fixed arguments.
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)  # noqa: S603


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(url: str, server: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the site stopped (exit {server.returncode})")
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 (http on loopback)
                return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.3)
    raise SystemExit(f"the site did not answer at {url}")


@contextmanager
def demo_site() -> Iterator[str]:
    """The site on a free loopback port, with demo data in a temporary VAR_DIR."""
    var_dir = Path(tempfile.mkdtemp(prefix="mutualaid-screenshots-"))
    for folder in ("broker/queue", "broker/processed"):
        (var_dir / folder).mkdir(parents=True)
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "SEALING_KEYS", "KEY_DIR"}
    }
    env.update(VAR_DIR=str(var_dir), DJANGO_SETTINGS_MODULE="mutualaid.settings")
    port = free_port()
    server = None
    try:
        manage(env, "migrate", "--noinput", "-v", "0")
        manage(env, "seed_demo")
        manage(env, "shell", "-c", PLAN)
        server = subprocess.Popen(  # noqa: S603 (our interpreter, fixed arguments)
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        url = f"http://127.0.0.1:{port}"
        wait_for(f"{url}/accounts/login/", server)
        yield url
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)
        shutil.rmtree(var_dir, ignore_errors=True)


def shoot(page: Page, name: str) -> Path:
    height = min(page.evaluate("document.documentElement.scrollHeight"), MAX_HEIGHT)
    path = OUT / f"{name}.png"
    page.screenshot(
        path=str(path), full_page=True, clip={"x": 0, "y": 0, "width": WIDTH, "height": height}
    )
    print(f"  {path.relative_to(ROOT)} ({path.stat().st_size // 1024} KB)")
    return path


def main() -> None:
    if not CHROMIUM.exists():
        raise SystemExit(f"Chromium is needed at {CHROMIUM} (apt-get install chromium)")
    OUT.mkdir(parents=True, exist_ok=True)
    with demo_site() as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=LAUNCH_ARGS, headless=True
        )
        try:
            page = browser.new_page(viewport={"width": WIDTH, "height": 800})
            page.goto(f"{url}/accounts/login/")
            page.fill("#id_username", ORGANIZER[0])
            page.fill("#id_password", ORGANIZER[1])
            page.click("button[type=submit]")
            page.wait_for_url(f"{url}/dashboard/")
            shoot(page, "dashboard")

            page.goto(f"{url}/deliveries/routes/")
            links = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
            routes = sorted({link for link in links if ROUTE.search(link)})
            if not routes:
                raise SystemExit("the demo planned no route: no packing list to show")
            # The fullest route's packing list shows the most.
            stops = {}
            for route in routes:
                page.goto(f"{route}packing/")
                stops[route] = page.locator("table.packing tbody tr").count()
            page.goto(f"{max(routes, key=lambda route: stops[route])}packing/")
            shoot(page, "packing-list")
        finally:
            browser.close()


if __name__ == "__main__":
    main()
