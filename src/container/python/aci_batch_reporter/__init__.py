"""Report a batch container's progress and outcome to its aci-batch run (docs/container-contract.md).

The HTTP callback transport of the TypeScript helper (src/container/reporter.ts), on the standard library
only. The run hands its container ACI_BATCH_CALLBACK_URL and the secure ACI_BATCH_CALLBACK_TOKEN; this module
sends ``GET <url>``, ``POST <url>/progress`` and ``POST <url>/complete`` with the token as a bearer token::

    from aci_batch_reporter import Reporter

    reporter = Reporter.from_env()
    attempt = reporter.attempt()          # 1, then 2 after a restart, ...
    reporter.progress(50, "half way")
    reporter.complete({"rows": 1200}, "done")   # or: reporter.fail(3, "input missing")

Every report carries a fresh report id, the same across its retries, so a re-sent report is ignored by the
run. Once ``attempt()`` has been called, every report also names its attempt, so a late report never settles
a later attempt. Answers 429 and 5xx and network errors are retried with exponential backoff, waiting as long
as a Retry-After header asks (at most 30 s); 400, 401, 404, 410 and 413 are not retried and raise
:class:`ReportRejected` (:class:`RunTokenInvalid`, :class:`RunNotFound`, :class:`RunFinished`).

``reporter.upload_output("out/summary.csv", "results/summary.csv")`` keeps a file the run produced: it asks
``POST <url>/outputs`` for a grant (a write-only URL for that one file) and uploads the file to it in one
``PUT`` with its MD5 (up to 5,000 MiB).

Direct Temporal signals (ACI_BATCH_TEMPORAL_ADDRESS) need gRPC and the payload codec: use the TypeScript
helper for them.
"""

from __future__ import annotations

import base64
import email.utils
import hashlib
import json
import os
import time
import urllib.error
import urllib.request
import uuid
from http.client import HTTPException
from typing import Any, Callable, Dict, Mapping, Optional

__all__ = [
    "CALLBACK_TOKEN_ENV",
    "CALLBACK_URL_ENV",
    "Reporter",
    "ReporterError",
    "ReportNotDelivered",
    "ReportRejected",
    "RunFinished",
    "RunNotFound",
    "RunTokenInvalid",
]

__version__ = "0.1.0"

CALLBACK_URL_ENV = "ACI_BATCH_CALLBACK_URL"
CALLBACK_TOKEN_ENV = "ACI_BATCH_CALLBACK_TOKEN"
TEMPORAL_ADDRESS_ENV = "ACI_BATCH_TEMPORAL_ADDRESS"

#: tries per report, the first included (as the TypeScript helper)
DEFAULT_MAX_TRIES = 8
#: the backoff between tries: 0.25 s, doubling, at most 10 s
FIRST_DELAY_S = 0.25
MAX_DELAY_S = 10.0
#: a Retry-After longer than this is cut short
MAX_RETRY_AFTER_S = 30.0
#: per request
DEFAULT_TIMEOUT_S = 10.0
#: the Blob Storage API version of uploads (Put Blob takes up to 5,000 MiB from 2019-12-12 on)
BLOB_API_VERSION = "2021-08-06"


class ReporterError(Exception):
    """Something kept a report from its run."""


class ReportNotDelivered(ReporterError):
    """The API stayed busy or unreachable (429, 5xx, network errors) through every try."""


class ReportRejected(ReporterError):
    """The API refused the report; retrying cannot change that (400, 401, 404, 410, 413)."""

    def __init__(self, status: int, code: Optional[str], message: str) -> None:
        super().__init__(f"the callback answered {status}{f' ({code})' if code else ''}: {message}")
        self.status = status
        #: the error code of the API's body, e.g. "RunFinished"
        self.code = code


class RunTokenInvalid(ReportRejected):
    """401: the token is missing, wrong, expired, or of an earlier run with the same id."""


class RunNotFound(ReportRejected):
    """404: there is no such run."""


class RunFinished(ReportRejected):
    """410: the run has finished; reports are no longer accepted."""


_REJECTIONS = {401: RunTokenInvalid, 404: RunNotFound, 410: RunFinished}


class _Retry(Exception):
    def __init__(self, reason: str, wait_s: Optional[float] = None) -> None:
        super().__init__(reason)
        self.wait_s = wait_s


class Reporter:
    """Reports to one run through its callback URL. Not thread-safe: use one per thread, or a lock."""

    def __init__(
        self,
        callback_url: str,
        token: str,
        *,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        max_tries: int = DEFAULT_MAX_TRIES,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not callback_url.startswith(("http://", "https://")):
            raise ValueError(f"the callback URL must be an http(s) URL, not {callback_url!r}")
        if not token:
            raise ValueError("the callback token is empty")
        self.callback_url = callback_url.rstrip("/")
        self._token = token
        self._timeout_s = timeout_s
        self._max_tries = max(1, max_tries)
        self._sleep = sleep
        #: the run's attempt, once attempt() has asked
        self.known_attempt: Optional[int] = None

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None, **options: Any) -> "Reporter":
        """The reporter of the run that started this container, from ACI_BATCH_CALLBACK_URL and _TOKEN."""
        env = os.environ if env is None else env
        url = env.get(CALLBACK_URL_ENV)
        if not url:
            if env.get(TEMPORAL_ADDRESS_ENV):
                raise ReporterError(
                    f"this run reports by direct Temporal signal ({TEMPORAL_ADDRESS_ENV}), which the Python "
                    "reporter does not support: submit the job with a callback base URL, or use the "
                    "TypeScript helper"
                )
            raise ReporterError(f"{CALLBACK_URL_ENV} is not set: this container must be started by aci-batch")
        token = env.get(CALLBACK_TOKEN_ENV)
        if not token:
            raise ReporterError(f"{CALLBACK_TOKEN_ENV} is not set: this container must be started by aci-batch")
        return cls(url, token, **options)

    def run_progress(self) -> Dict[str, Any]:
        """The run as it stands: ``{"phase", "attempt", "groupName", "percent"?, "message"?}``."""
        return self._call("GET", "", None)

    def attempt(self) -> int:
        """The run's current attempt (1, then 2 after the first restart, ...); later reports name it."""
        attempt = int(self.run_progress()["attempt"])
        self.known_attempt = attempt
        return attempt

    def progress(self, percent: Optional[float] = None, message: Optional[str] = None) -> None:
        """Progress, 0-100, and/or a short message; the latest is what the run shows."""
        if percent is not None and not 0 <= percent <= 100:
            raise ValueError(f"percent must be between 0 and 100, not {percent}")
        self._report("/progress", {"percent": percent, "message": message})

    def complete(self, result: Any = None, message: Optional[str] = None) -> None:
        """The work is done: the run succeeds with exit code 0 and this small JSON result (at most 8 KiB)."""
        self._report("/complete", {"status": "Completed", "exitCode": 0, "result": result, "message": message})

    def fail(self, exit_code: int, message: str) -> None:
        """The work failed: the run fails with this exit code (the job's onFailure policy applies)."""
        self._report("/complete", {"status": "Failed", "exitCode": int(exit_code), "message": message})

    def upload_output(self, path: str, name: str) -> Dict[str, Any]:
        """Uploads the file at ``path`` as the run's output ``name`` (e.g. ``results/summary.csv``).

        Returns ``{"name", "size", "contentMd5"}``. The grant is asked for with retries like a report; the
        upload is tried up to ``max_tries`` times on 5xx and network errors.
        """
        md5 = hashlib.md5()
        size = 0
        with open(path, "rb") as source:
            for block in iter(lambda: source.read(1 << 20), b""):
                md5.update(block)
                size += len(block)
        content_md5 = base64.b64encode(md5.digest()).decode("ascii")
        grant = self._call("POST", "/outputs", {"name": name})
        delay_s = FIRST_DELAY_S
        last = ""
        for tried in range(1, self._max_tries + 1):
            try:
                with open(path, "rb") as source:
                    request = urllib.request.Request(
                        grant["uploadUrl"],
                        data=source,
                        method="PUT",
                        headers={
                            "x-ms-blob-type": "BlockBlob",
                            "x-ms-version": BLOB_API_VERSION,
                            "content-length": str(size),
                            "content-md5": content_md5,
                            "content-type": "application/octet-stream",
                        },
                    )
                    with urllib.request.urlopen(request, timeout=max(self._timeout_s, 300.0)) as response:
                        response.read()
                return {"name": name, "size": size, "contentMd5": content_md5}
            except urllib.error.HTTPError as error:
                text = _read(error)
                if error.code < 500:
                    raise ReportRejected(error.code, None, f"upload of {name}: {text[:500]}") from None
                last = f"answered {error.code}"
            except (urllib.error.URLError, HTTPException, OSError) as error:
                last = f"{type(error).__name__}: {getattr(error, 'reason', error)}"
            if tried < self._max_tries:
                self._sleep(delay_s)
                delay_s = min(delay_s * 2, MAX_DELAY_S)
        raise ReportNotDelivered(f"upload of {name}: gave up after {self._max_tries} tries ({last})")

    def _report(self, path: str, fields: Dict[str, Any]) -> None:
        body = {name: value for name, value in fields.items() if value is not None}
        body["reportId"] = str(uuid.uuid4())
        if self.known_attempt is not None:
            body["attempt"] = self.known_attempt
        self._call("POST", path, body)

    def _call(self, method: str, path: str, body: Optional[Dict[str, Any]]) -> Any:
        data = None if body is None else json.dumps(body).encode("utf-8")
        delay_s = FIRST_DELAY_S
        last = ""
        for tried in range(1, self._max_tries + 1):
            try:
                return self._send(method, path, data)
            except _Retry as retry:
                last = str(retry)
                if tried == self._max_tries:
                    break
                # wait as long as the API asks (within reason), else the backoff
                self._sleep(retry.wait_s if retry.wait_s is not None else delay_s)
                delay_s = min(delay_s * 2, MAX_DELAY_S)
        raise ReportNotDelivered(
            f"{method} {self.callback_url}{path}: gave up after {self._max_tries} tries ({last})"
        )

    def _send(self, method: str, path: str, data: Optional[bytes]) -> Any:
        request = urllib.request.Request(
            f"{self.callback_url}{path}",
            data=data,
            method=method,
            headers={
                "authorization": f"Bearer {self._token}",
                "content-type": "application/json",
                "accept": "application/json",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self._timeout_s) as response:
                text = response.read().decode("utf-8")
                return json.loads(text) if text else None
        except urllib.error.HTTPError as error:
            status = error.code
            text = _read(error)
            if status == 429 or status >= 500:
                raise _Retry(f"answered {status}", _retry_after_s(error.headers.get("retry-after"))) from None
            code, message = _error_of(text)
            raise _REJECTIONS.get(status, ReportRejected)(status, code, message) from None
        except (urllib.error.URLError, HTTPException, OSError) as error:
            # refused, reset, DNS, timeout: the API may be restarting
            raise _Retry(f"{type(error).__name__}: {getattr(error, 'reason', error)}") from None


def _read(error: urllib.error.HTTPError) -> str:
    try:
        return error.read().decode("utf-8", "replace")
    except (OSError, HTTPException):
        return ""
    finally:
        error.close()


def _error_of(text: str) -> "tuple[Optional[str], str]":
    """The API's error body is ``{"error": {"code", "message"}}``."""
    try:
        error = json.loads(text)["error"]
        code = error.get("code")
        return (None if code is None else str(code)), str(error.get("message", text[:500]))
    except (ValueError, KeyError, TypeError, AttributeError):
        return None, text[:500]


def _retry_after_s(value: Optional[str]) -> Optional[float]:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date), at most MAX_RETRY_AFTER_S."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        seconds = when.timestamp() - time.time()
    if seconds != seconds or seconds <= 0:  # NaN or past
        return None
    return min(seconds, MAX_RETRY_AFTER_S)

