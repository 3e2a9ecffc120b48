"""Sending one webhook request over HTTP(S): a timeout, no redirects, nothing read but the status.

``post`` never raises for what the receiver does (refuses, times out, redirects, answers 500): it
returns an :class:`Outcome` that the job records as an attempt.
"""
import http.client
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

#: Most of the receiver's answer read (and thrown away), so a chatty receiver cannot hold us.
READ_LIMIT = 64 * 1024
USER_AGENT = "tracker-webhooks/1"
SCHEMES = {"http": http.client.HTTPConnection, "https": http.client.HTTPSConnection}


@dataclass(frozen=True)
class Outcome:
    """What one request came to: the HTTP status (None without an answer) and the error, if any."""

    status_code: int | None
    error: str | None
    duration_ms: int

    @property
    def is_success(self):
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def is_gone(self):
        """The receiver said 410 Gone: it wants no more (the subscription is disabled)."""
        return self.status_code == 410


def post(url, body, headers, *, timeout):
    """POST ``body`` (JSON bytes) to ``url`` with ``headers``; return the :class:`Outcome`.

    ``timeout`` (seconds) bounds connecting and each read. A 3xx answer is a failure: redirects
    are never followed (a receiver moved must be subscribed anew at its new address).
    """
    started = time.monotonic()
    try:
        status, error = _send(url, body, headers, timeout)
    except TimeoutError:
        status, error = None, f"Timed out after {timeout:g} s"
    except ssl.SSLError as exc:
        status, error = None, f"TLS error: {exc}"
    except (OSError, http.client.HTTPException, ValueError) as exc:
        status, error = None, f"{type(exc).__name__}: {exc}"
    return Outcome(status, error and error[:500], int((time.monotonic() - started) * 1000))


def _send(url, body, headers, timeout):
    parts = urlsplit(url)
    connection_class = SCHEMES.get(parts.scheme)
    if connection_class is None or not parts.hostname:
        raise ValueError("only http and https URLs are delivered to")
    kwargs = {"context": ssl.create_default_context()} if parts.scheme == "https" else {}
    connection = connection_class(parts.hostname, parts.port, timeout=timeout, **kwargs)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    all_headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT, **headers}
    try:
        connection.request("POST", path, body=body, headers=all_headers)
        response = connection.getresponse()
        response.read(READ_LIMIT)
    finally:
        connection.close()
    return response.status, _describe(response)


def _describe(response):
    if 200 <= response.status < 300:
        return None
    if 300 <= response.status < 400:
        return f"HTTP {response.status} {response.reason}: redirect not followed"
    return f"HTTP {response.status} {response.reason}"
