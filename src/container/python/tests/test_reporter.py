"""The Python reporter against a local stand-in for the callback API (a plain http.server answering as scripted).

Run: python3 -m unittest discover -s src/container/python/tests
"""

from __future__ import annotations

import json
import os
import sys
import threading
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Dict, List, Optional, Tuple

# the package lives beside this folder: no install needed to test it
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from aci_batch_reporter import (  # noqa: E402
    Reporter,
    ReporterError,
    ReportNotDelivered,
    ReportRejected,
    RunFinished,
    RunNotFound,
    RunTokenInvalid,
)

TOKEN = "v2.payload.mac"
RUN_PATH = "/v1/runs/acme.nightly.0"

Answer = Tuple[int, Dict[str, str], object]


class FakeApi:
    """Answers each request with the next scripted answer (the last one repeats), and records the requests."""

    def __init__(self, answers: List[Answer]) -> None:
        self.answers = answers
        self.requests: List[Dict[str, object]] = []
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def answer(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                api.requests.append(
                    {
                        "method": self.command,
                        "path": self.path,
                        "headers": {k.lower(): v for k, v in self.headers.items()},
                        "body": json.loads(body) if body else None,
                    }
                )
                status, headers, payload = api.answers[min(len(api.requests), len(api.answers)) - 1]
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            do_GET = answer
            do_POST = answer

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}{RUN_PATH}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def bodies(self) -> List[Dict[str, object]]:
        return [request["body"] for request in self.requests]  # type: ignore[misc]


ACCEPTED: Answer = (202, {}, {"accepted": True})


def error(status: int, code: str, headers: Optional[Dict[str, str]] = None) -> Answer:
    return (status, headers or {}, {"error": {"code": code, "message": f"{code} happened"}})


class ReporterTest(unittest.TestCase):
    def api(self, *answers: Answer) -> FakeApi:
        api = FakeApi(list(answers))
        self.addCleanup(api.close)
        return api

    def reporter(self, api: FakeApi, **options: object) -> Tuple[Reporter, List[float]]:
        """A reporter whose waits are recorded instead of slept."""
        waits: List[float] = []
        env = {"ACI_BATCH_CALLBACK_URL": api.url, "ACI_BATCH_CALLBACK_TOKEN": TOKEN}
        return Reporter.from_env(env, sleep=waits.append, **options), waits

    def test_progress_posts_json_with_the_bearer_token(self) -> None:
        api = self.api(ACCEPTED)
        reporter, _ = self.reporter(api)
        reporter.progress(40, 'step "2" of 5\nnext: C:\\data')
        [request] = api.requests
        self.assertEqual(request["method"], "POST")
        self.assertEqual(request["path"], f"{RUN_PATH}/progress")
        headers = request["headers"]
        self.assertEqual(headers["authorization"], f"Bearer {TOKEN}")  # type: ignore[index]
        self.assertEqual(headers["content-type"], "application/json")  # type: ignore[index]
        body = request["body"]
        self.assertEqual(body["percent"], 40)  # type: ignore[index]
        self.assertEqual(body["message"], 'step "2" of 5\nnext: C:\\data')  # type: ignore[index]
        self.assertRegex(body["reportId"], r"^[0-9a-f-]{36}$")  # type: ignore[index]
        self.assertNotIn("attempt", body)  # type: ignore[operator]

    def test_complete_and_fail_bodies(self) -> None:
        api = self.api(ACCEPTED)
        reporter, _ = self.reporter(api)
        reporter.complete({"rows": 3}, "done")
        reporter.fail(3, "input missing")
        reporter.complete()
        self.assertEqual([r["path"] for r in api.requests], [f"{RUN_PATH}/complete"] * 3)
        first, second, third = api.bodies
        self.assertEqual(
            {k: v for k, v in first.items() if k != "reportId"},
            {"status": "Completed", "exitCode": 0, "result": {"rows": 3}, "message": "done"},
        )
        self.assertEqual(
            {k: v for k, v in second.items() if k != "reportId"},
            {"status": "Failed", "exitCode": 3, "message": "input missing"},
        )
        self.assertEqual(
            {k: v for k, v in third.items() if k != "reportId"}, {"status": "Completed", "exitCode": 0}
        )
        # a fresh id per report
        self.assertEqual(len({body["reportId"] for body in api.bodies}), 3)

    def test_attempt_reads_the_run_and_later_reports_name_it(self) -> None:
        api = self.api((200, {}, {"phase": "Running", "attempt": 2, "groupName": "acme-nightly-x-0"}), ACCEPTED)
        reporter, _ = self.reporter(api)
        self.assertEqual(reporter.attempt(), 2)
        reporter.progress(10)
        get, post = api.requests
        self.assertEqual((get["method"], get["path"], get["body"]), ("GET", RUN_PATH, None))
        self.assertEqual(post["body"]["attempt"], 2)  # type: ignore[index]

    def test_retries_503_after_its_retry_after_with_the_same_report_id(self) -> None:
        api = self.api(
            error(503, "TemporalUnavailable", {"retry-after": "5"}),
            error(503, "TemporalUnavailable", {"retry-after": "5"}),
            ACCEPTED,
        )
        reporter, waits = self.reporter(api)
        reporter.complete({"ok": True})
        self.assertEqual(len(api.requests), 3)
        self.assertEqual(waits, [5.0, 5.0])
        self.assertEqual(len({body["reportId"] for body in api.bodies}), 1)

    def test_backs_off_exponentially_on_429_and_500_without_retry_after(self) -> None:
        api = self.api(error(429, "TooMany"), error(500, "InternalError"), error(502, "Bad"), ACCEPTED)
        reporter, waits = self.reporter(api)
        reporter.progress(1)
        self.assertEqual(waits, [0.25, 0.5, 1.0])

    def test_caps_a_long_retry_after_and_reads_http_dates(self) -> None:
        api = self.api(
            error(503, "X", {"retry-after": "3600"}),
            error(503, "X", {"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}),  # in the past: the backoff
            ACCEPTED,
        )
        reporter, waits = self.reporter(api)
        reporter.progress(1)
        self.assertEqual(waits, [30.0, 0.5])

    def test_gives_up_after_max_tries(self) -> None:
        api = self.api(error(503, "TemporalUnavailable"))
        reporter, waits = self.reporter(api, max_tries=4)
        with self.assertRaises(ReportNotDelivered) as raised:
            reporter.progress(1)
        self.assertEqual(len(api.requests), 4)
        self.assertEqual(waits, [0.25, 0.5, 1.0])
        self.assertIn("gave up after 4 tries", str(raised.exception))

    def test_retries_connection_errors(self) -> None:
        api = self.api(ACCEPTED)
        url = api.url
        api.close()  # nothing listens there any more
        waits: List[float] = []
        reporter = Reporter(url, TOKEN, sleep=waits.append, max_tries=3, timeout_s=2)
        with self.assertRaises(ReportNotDelivered):
            reporter.progress(1)
        self.assertEqual(waits, [0.25, 0.5])

    def test_does_not_retry_401_404_410_400_413(self) -> None:
        cases = [
            (401, "InvalidRunToken", RunTokenInvalid),
            (404, "RunNotFound", RunNotFound),
            (410, "RunFinished", RunFinished),
            (400, "InvalidRequest", ReportRejected),
            (413, "BodyTooLarge", ReportRejected),
        ]
        for status, code, kind in cases:
            with self.subTest(status=status):
                api = self.api(error(status, code))
                reporter, waits = self.reporter(api)
                with self.assertRaises(kind) as raised:
                    reporter.complete()
                self.assertEqual(len(api.requests), 1)
                self.assertEqual(waits, [])
                self.assertEqual(raised.exception.status, status)
                self.assertEqual(raised.exception.code, code)
                self.assertIn(f"answered {status} ({code})", str(raised.exception))

    def test_from_env_says_what_is_missing(self) -> None:
        with self.assertRaisesRegex(ReporterError, "ACI_BATCH_CALLBACK_URL is not set"):
            Reporter.from_env({})
        with self.assertRaisesRegex(ReporterError, "ACI_BATCH_CALLBACK_TOKEN is not set"):
            Reporter.from_env({"ACI_BATCH_CALLBACK_URL": "http://127.0.0.1:1/v1/runs/a.b.0"})
        with self.assertRaisesRegex(ReporterError, "direct Temporal signal"):
            Reporter.from_env({"ACI_BATCH_TEMPORAL_ADDRESS": "temporal:7233"})

    def test_refuses_a_percent_out_of_range_before_sending(self) -> None:
        api = self.api(ACCEPTED)
        reporter, _ = self.reporter(api)
        with self.assertRaises(ValueError):
            reporter.progress(101)
        self.assertEqual(api.requests, [])


if __name__ == "__main__":
    unittest.main()
