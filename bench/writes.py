"""Writes for the benchmark (issue 18): an activity with ten beneficiary rows POSTed to
/api/v1/activities/ with a manager's token, as a client of the API logs one, deleted
again the same way, and a thread that writes one a second while other clients read.

The writing request rolls up what it wrote before it answers (RollupMiddleware), so the
time of each POST, from the first byte sent to the last byte read, includes the rollup
maintenance. bench/run.py measures and reports; this module only speaks HTTP.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from dataclasses import dataclass

PATH = "/api/v1/activities/"
ROWS = 10
# Five audiences times the activity's two countries: ten rows, no two alike.
AUDIENCES = ("police", "prosecutors", "judges", "law-enforcement", "judiciary")
COUNTRIES = ("SV", "GT")
TITLE = "bench write"


def activity_body(number: int) -> dict:
    """A published training in El Salvador and Guatemala with ten beneficiary rows, each
    with a country (attributed in the same write): the shape of TRAINING in
    tests/test_api_writes.py. Published, so that the write changes the public answers
    and their rollups too (the public totals), which a draft would not; run.py deletes
    it again."""
    return {
        "kind": "training",
        "title": f"{TITLE} {number}",
        "start_date": "2025-06-02",
        "end_date": "2025-06-04",
        "date_precision": "day",
        "modality": "in_person",
        "countries": list(COUNTRIES),
        "themes": ["e-evidence"],
        "languages": ["es"],
        "status": "published",
        "beneficiaries": [
            {
                "audience": AUDIENCES[index % len(AUDIENCES)],
                "country": COUNTRIES[index % len(COUNTRIES)],
                "female": index + 1,
                "male": 2,
                "not_recorded": index % 3,
                "qualifier": "exact",
            }
            for index in range(ROWS)
        ],
        "source_paragraph": "",
    }


@dataclass(frozen=True)
class Written:
    """One POST: its status, seconds end to end, the app's queries (X-Query-Count, the
    rollup maintenance's included), and the activity it made (id 0 when it failed)."""

    status: int
    seconds: float
    queries: int | None
    activity: int = 0
    version: int = 0
    error: str = ""


def _request(
    port: int, method: str, path: str, token: str, body: bytes = b"", headers: dict | None = None
) -> tuple[int, bytes, float, int | None]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        started = time.perf_counter()
        connection.request(
            method,
            path,
            body=body or None,
            headers={
                "Authorization": f"Token {token}",
                "Accept": "application/json",
                **(headers or {}),
            },
        )
        response = connection.getresponse()
        answer = response.read()
        elapsed = time.perf_counter() - started
        count = response.getheader("X-Query-Count")
        return response.status, answer, elapsed, int(count) if count else None
    finally:
        connection.close()


def post_activity(port: int, token: str, number: int) -> Written:
    """POST activity_body(number); a refused or failed write is a Written with its error."""
    body = json.dumps(activity_body(number)).encode()
    try:
        status, answer, seconds, queries = _request(
            port, "POST", PATH, token, body, {"Content-Type": "application/json"}
        )
    except OSError as error:
        return Written(status=0, seconds=0.0, queries=None, error=str(error))
    if status != 201:
        return Written(status, seconds, queries, error=answer[:300].decode(errors="replace"))
    created = json.loads(answer)
    return Written(status, seconds, queries, int(created["id"]), int(created["version"]))


def delete_activity(port: int, token: str, written: Written) -> tuple[int, float]:
    """DELETE the activity a POST made, with the ETag of the version it answered."""
    etag = f'W/"activity-{written.activity}-v{written.version}"'
    try:
        status, _, seconds, _ = _request(
            port, "DELETE", f"{PATH}{written.activity}/", token, headers={"If-Match": etag}
        )
    except OSError:
        return 0, 0.0
    return status, seconds


class Writer:
    """A thread that POSTs one activity every `interval` seconds, on a fixed schedule,
    until stopped: after a write slower than the interval the next starts at once, so
    the rate holds as long as the writes are faster on average (`rate` says what it was).
    One write at a time, as one client writes."""

    def __init__(self, port: int, token: str, first_number: int, interval: float = 1.0):
        self.port, self.token, self.interval = port, token, interval
        self.number = first_number
        self.written: list[Written] = []
        self.seconds = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run)

    @property
    def rate(self) -> float:
        """Writes a second, over the time the thread ran."""
        return round(len(self.written) / self.seconds, 2) if self.seconds else 0.0

    def _run(self) -> None:
        started = time.monotonic()
        while not self._stop.is_set():
            self.written.append(post_activity(self.port, self.token, self.number))
            self.number += 1
            next_at = started + len(self.written) * self.interval
            self._stop.wait(max(0.0, next_at - time.monotonic()))
        self.seconds = time.monotonic() - started

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> list[Written]:
        self._stop.set()
        self._thread.join()
        return self.written
