"""A sample batch job in Python: the sample of examples/batch-job, with the Python reporter.

It does WORK_STEPS steps of STEP_MS milliseconds, reports progress after each, then reports completion, or
failure with FAIL_EXIT_CODE on the attempts listed in FAIL_ON_ATTEMPTS ("1" fails the first attempt and
succeeds after a restart). EXIT_WITHOUT_REPORT=true exits with that code without reporting. With CONTROL_PORT
set it waits for the orchestrator's POST /start and serves GET /progress (the job's `control` endpoint).
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Dict, List, Optional

try:
    from aci_batch_reporter import Reporter
except ImportError:
    # Not installed (the image pip-installs it): running from the repository, as the ACI emulator does (it sets
    # no PYTHONPATH per image), so use the package beside the TypeScript helper.
    sys.path.insert(
        0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "src", "container", "python")
    )
    from aci_batch_reporter import Reporter


def whole(name: str, fallback: int, env: Dict[str, str]) -> int:
    value = env.get(name, "")
    if value == "":
        return fallback
    if not value.isdigit():
        raise SystemExit(f'{name} must be a whole number >= 0 (got "{value}")')
    return int(value)


class Job:
    def __init__(self, env: Dict[str, str]) -> None:
        if not env.get("ACI_BATCH_RUN_ID"):
            raise SystemExit("ACI_BATCH_RUN_ID is not set: this container must be started by aci-batch")
        self.run_id = env["ACI_BATCH_RUN_ID"]
        self.steps = whole("WORK_STEPS", 5, env)
        self.step_ms = whole("STEP_MS", 200, env)
        self.fail_on: List[int] = [int(a) for a in env.get("FAIL_ON_ATTEMPTS", "").split(",") if a.strip()]
        self.fail_exit_code = whole("FAIL_EXIT_CODE", 1, env)
        self.exit_without_report = env.get("EXIT_WITHOUT_REPORT") == "true"
        self.control_port: Optional[int] = whole("CONTROL_PORT", 0, env) or None
        # the ACI emulator gives each group its own loopback address; in ACI the container binds every interface
        self.bind_host = env.get("ACI_EMULATOR_IP", "0.0.0.0")
        self.percent = 0

    def work(self, reporter: Reporter) -> int:
        attempt = reporter.attempt()
        print(f"run {self.run_id}, attempt {attempt}: {self.steps} steps of {self.step_ms} ms", flush=True)
        for step in range(1, self.steps + 1):
            time.sleep(self.step_ms / 1000)
            self.percent = round(100 * step / self.steps)
            print(f"step {step}/{self.steps} done", flush=True)
            reporter.progress(self.percent, f"step {step}/{self.steps}")
        if attempt in self.fail_on:
            message = f"told to fail on attempt {attempt}"
            print(message, file=sys.stderr, flush=True)
            if not self.exit_without_report:
                reporter.fail(self.fail_exit_code, message)
            return self.fail_exit_code
        # the last line before the report: once it is accepted, the run reads the log tail and removes the group
        print("completed", flush=True)
        if not self.exit_without_report:
            reporter.complete({"steps": self.steps, "attempt": attempt, "language": "python"}, "all steps done")
        return 0


def serve_control_endpoint(job: Job, run: Callable[[], int]) -> int:
    """Control mode: POST /start (idempotent by its Idempotency-Key) starts the work; GET /progress reads it."""
    outcome: Dict[str, object] = {}
    started: List[str] = []
    done = threading.Event()

    def work() -> None:
        try:
            outcome["code"] = run()
        except BaseException as error:  # noqa: BLE001 - reported by main
            outcome["error"] = error
        done.set()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def reply(self, status: int, body: Optional[Dict[str, object]] = None) -> None:
            data = b"" if body is None else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:  # noqa: N802
            self.rfile.read(int(self.headers.get("content-length") or 0))
            if self.path != "/start":
                return self.reply(404)
            key = self.headers.get("idempotency-key", "")
            if not started:
                started.append(key)
                threading.Thread(target=work, daemon=True).start()
            self.reply(202 if started[0] == key else 409, {"started": True, "runKey": started[0]})

        def do_GET(self) -> None:  # noqa: N802
            if self.path != "/progress":
                return self.reply(404)
            self.reply(200, {"percent": job.percent})

    server = ThreadingHTTPServer((job.bind_host, job.control_port or 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"waiting for POST /start on {job.bind_host}:{job.control_port}", flush=True)
    done.wait()
    server.shutdown()
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return int(outcome["code"])  # type: ignore[arg-type]


def main() -> int:
    job = Job(dict(os.environ))
    reporter = Reporter.from_env()
    if job.control_port:
        return serve_control_endpoint(job, lambda: job.work(reporter))
    return job.work(reporter)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as error:  # noqa: BLE001 - a crash is exit code 2, as in the TypeScript sample
        print(f"{type(error).__name__}: {error}", file=sys.stderr, flush=True)
        sys.exit(2)
