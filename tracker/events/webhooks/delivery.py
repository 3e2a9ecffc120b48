"""Sending one webhook request over HTTP(S): a timeout, no redirects, nothing read but the status.

``post`` never raises for what the receiver does (refuses, times out, redirects, answers 500): it
returns an :class:`Outcome` that the job records as an attempt.
"""
import http.client
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

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

    ``timeout`` (seconds) bounds the whole request, from connecting to the status line and
    headers of the answer (its body is not read): a receiver that trickles its answer is cut off
    too. A 3xx answer is a failure: redirects are never followed.
    """
    started = time.monotonic()
    parts = urlsplit(url)
    connection_class = SCHEMES.get(parts.scheme)
    if connection_class is None or not parts.hostname:
        return Outcome(None, "Only http and https URLs are delivered to", 0)
    kwargs = {"context": ssl.create_default_context()} if parts.scheme == "https" else {}
    try:
        connection = connection_class(parts.hostname, parts.port, timeout=timeout, **kwargs)
    except ValueError as exc:  # a port out of range or not a number
        return Outcome(None, _describe_exception(exc), 0)
    cut_off = threading.Event()
    deadline = threading.Timer(timeout, _cut_off, (connection, cut_off))
    deadline.daemon = True
    deadline.start()
    try:
        status, error = _send(connection, parts, body, headers)
    except (OSError, http.client.HTTPException) as exc:
        status, error = None, None if isinstance(exc, TimeoutError) else _describe_exception(exc)
    finally:
        deadline.cancel()
        connection.close()
    if cut_off.is_set() or (status is None and error is None):
        # Past the deadline the answer may be cut short (its headers end at the shut-down socket).
        status, error = None, f"Timed out after {timeout:g} s"
    return Outcome(status, error and error[:500], int((time.monotonic() - started) * 1000))


def _send(connection, parts, body, headers):
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    all_headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT, **headers}
    connection.request("POST", path, body=body, headers=all_headers)
    response = connection.getresponse()
    return response.status, _describe(response)


def _cut_off(connection, cut_off):
    """End a request past its deadline: shutting the socket down wakes the blocked read."""
    cut_off.set()
    sock = connection.sock
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def _describe(response):
    if 200 <= response.status < 300:
        return None
    if 300 <= response.status < 400:
        return f"HTTP {response.status} {response.reason}: redirect not followed"
    return f"HTTP {response.status} {response.reason}"


def _describe_exception(exc):
    if isinstance(exc, ssl.SSLError):
        return f"TLS error: {exc}"
    return f"{type(exc).__name__}: {exc}"
