"""The load test's traffic: partners on two app servers behind a round-robin balancer.

Started by bench/loadtest/run.py (``make loadtest``), which passes, in the
environment, the fixtures file (what bench/loadtest/seed.py made), the two
servers' base URLs, the request bound and where to write the tally. Each
simulated user is one partner's systems and staff: it logs in once through
the real /login form, then sends, at a fixed rate (``constant_throughput``),
a mix of

* catalogue: the portal's catalogue, with the login session,
* feed: the partner's feed (RSS, Atom, JSON Feed) by its feed token,
* api: article and grant listings and one article, with the API key,
* download: a grant's package by the API key or through the portal,
* pixel: a grant's tracking pixel, each hit another reader's browser,
* request: a request for an article through the API,

each to server A or B in turn. It never touches what staff act on during the
run, so anything but a 2xx (a 304 cannot happen: no request is conditional)
is an error. The tally (latencies, statuses, downloads and pixels answered
200) is written when Locust stops; the driver reads it.
"""

from __future__ import annotations

import html
import itertools
import json
import os
import random
import re
import threading
import time
from collections import defaultdict
from pathlib import Path

from locust import HttpUser, constant_throughput, events, task

FIXTURES = json.loads(Path(os.environ["LOADTEST_FIXTURES"]).read_text(encoding="utf-8"))
SERVERS = os.environ["LOADTEST_SERVERS"].split(",")
MAX_REQUESTS = int(os.environ.get("LOADTEST_MAX_REQUESTS", "0"))
PER_USER_RATE = float(os.environ.get("LOADTEST_USER_RATE", "1"))
TALLY = os.environ["LOADTEST_TALLY"]
PIXEL_GIF_START = b"GIF89a"
AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)"
    " Chrome/131.0.{a}.{b} Safari/537.36"
)

_lock = threading.Lock()
_sent = [0]  # requests answered (or failed) so far
_readers = itertools.count(1)
_users = itertools.count()
# kind -> latencies (ms) of every answer; kind -> status -> count
_times: dict[str, list[float]] = defaultdict(list)
_statuses: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
_answered_200 = {"download": 0, "pixel": 0}


@events.request.add_listener
def _count(name, response_time, response, exception, **kw):
    status = getattr(response, "status_code", 0) or 0
    key = str(status) if status else f"exception {type(exception).__name__}"
    with _lock:
        _times[name].append(response_time)
        _statuses[name][key] += 1
        if status == 200 and name in _answered_200:
            body = response.content or b""
            if body if name == "download" else body.startswith(PIXEL_GIF_START):
                _answered_200[name] += 1
        _sent[0] += 1


@events.test_start.add_listener
def _bound(environment, **kw):
    """The request bound (the time bound is Locust's own ``-t``): quit once it is reached."""

    def watch() -> None:
        # Locust runs under gevent, which makes this thread a greenlet and sleep yield.
        while not MAX_REQUESTS or _sent[0] < MAX_REQUESTS:
            time.sleep(0.1)
        environment.runner.quit()

    if MAX_REQUESTS:
        threading.Thread(target=watch, daemon=True).start()


@events.quitting.add_listener
def _write_tally(environment, **kw):
    with _lock:
        tally = {
            "times": _times,
            "statuses": {kind: dict(counts) for kind, counts in _statuses.items()},
            "answered_200": _answered_200,
        }
    with open(TALLY, "w", encoding="utf-8") as out:
        json.dump(tally, out)


class Partner(HttpUser):
    """One partner's readers, systems and editors; requests alternate between the servers."""

    wait_time = constant_throughput(PER_USER_RATE)
    host = SERVERS[0]

    def on_start(self) -> None:
        n = next(_users)
        self.partner = FIXTURES["partners"][n % len(FIXTURES["partners"])]
        self.api = {"Authorization": f"Bearer {self.partner['api_key']}"}
        self.turn = itertools.cycle(SERVERS[n % 2 :] + SERVERS[: n % 2])
        self._log_in()

    def _server(self) -> str:
        return next(self.turn)

    def _send(self, method: str, path: str, kind: str, ok: tuple[int, ...] = (200,), **kw) -> str:
        """One request to the next server; never follows a redirect (a login page is no
        catalogue). Anything but ``ok`` counts as a failure. Returns the body's text."""
        with self.client.request(
            method,
            f"{self._server()}{path}",
            name=kind,
            allow_redirects=False,
            catch_response=True,
            **kw,
        ) as answer:
            if answer.status_code not in ok:
                answer.failure(f"{answer.status_code}")
            # Production cookies are Secure; this balancer speaks plain HTTP on loopback.
            for cookie in self.client.cookies:
                cookie.secure = False
            return answer.text if kind in ("login", "catalogue") else ""

    def _log_in(self) -> None:
        page = self._send("GET", "/login", "login")
        found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        form = {
            "csrf_token": found[1] if found else "",
            "email": self.partner["email"],
            "password": FIXTURES["password"],
        }
        self._send("POST", "/login", "login", (302,), data=form)

    @task(2)
    def catalogue(self) -> None:
        query = random.choice(["", "?q=border", "?section=World"])
        page = self._send("GET", f"/portal/catalogue{query}", "catalogue")
        # Half the readers go on to the next page by the page's own signed link.
        following = re.search(r'rel="next" href="([^"]+)"', page)
        if following and random.random() < 0.5:
            self._send("GET", html.unescape(following[1]), "catalogue")

    @task(2)
    def feed(self) -> None:
        name = random.choice(["rss.xml", "atom.xml", "feed.json"])
        self._send("GET", f"/feeds/{self.partner['feed_token']}/{name}", "feed")

    @task(3)
    def api(self) -> None:
        path = random.choice(
            [
                "/api/v1/articles",
                "/api/v1/grants",
                f"/api/v1/articles/{random.choice(self.partner['requestable'])}",
                "/api/v1/changes",
            ]
        )
        self._send("GET", path, "api", headers=self.api)

    @task(4)
    def download(self) -> None:
        grant = random.choice(self.partner["grants"])
        if random.random() < 0.5:
            self._send("GET", f"/api/v1/grants/{grant}/package", "download", headers=self.api)
        else:
            fmt = random.choice(["bundle", "article.html", "article.txt"])
            self._send("GET", f"/portal/grants/{grant}/download/{fmt}", "download")

    @task(6)
    def pixel(self) -> None:
        reader = next(_readers)
        headers = {
            "User-Agent": AGENT.format(a=reader // 1000, b=reader % 1000),
            "Referer": f"https://load{self.partner['id']}.example/2026/story/",
            "Accept": "image/avif,image/webp,image/*,*/*;q=0.8",
        }
        self._send("GET", random.choice(self.partner["pixels"]), "pixel", headers=headers)

    @task(1)
    def request(self) -> None:
        article = random.choice(self.partner["requestable"])
        body = {"article_ids": [article]}
        self._send("POST", "/api/v1/requests", "request", (200, 201), json=body, headers=self.api)
