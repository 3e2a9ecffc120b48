"""Real processes for the fault tests: the tracker under gunicorn, killed and started again.

Each process runs in a process group of its own (so SIGKILL takes its workers too) and writes
its output to a log file in the test's temporary folder, shown when a test fails.
"""
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port():
    """Return a TCP port of the loopback that nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def tracker_env(app, tmp_path, **extra):
    """The environment of a tracker process on the test app's database (production mode)."""
    return {**os.environ, "TRACKER_ENV": "production", "TRACKER_SECRET_KEY": app.config["SECRET_KEY"],
            "TRACKER_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "TRACKER_INSTANCE_PATH": str(tmp_path),
            "TRACKER_SCHEDULER": "off", **extra}


class Processes:
    """Child processes in process groups of their own, killed at the end whatever happens."""

    def __init__(self, tmp_path):
        self.tmp_path, self.started = tmp_path, []

    def start(self, command, env):
        """Start ``command`` in the repository with ``env``; return the process."""
        with open(self.tmp_path / f"process-{len(self.started)}.log", "wb") as log:
            process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True, stdout=log, stderr=log)
        self.started.append(process)
        return process

    def kill(self, process, sig=signal.SIGKILL):
        """Send ``sig`` to the process's whole group and wait for it to end."""
        os.killpg(process.pid, sig)
        process.wait(timeout=15)

    def kill_all(self):
        for process in self.started:
            if process.poll() is None:
                self.kill(process)

    def logs(self, tail=4000):
        """The end of every process's output (all of it with ``tail=None``), for a failure's message."""
        return "\n".join(f"--- {path.name}\n{path.read_text(errors='replace')[-tail if tail else 0:]}"
                         for path in sorted(self.tmp_path.glob("process-*.log")))


class Gunicorn:
    """The tracker served by gunicorn (``gthread`` workers) on a free port of the loopback."""

    def __init__(self, processes, env, *, workers=1, threads=1):
        self.processes, self.env, self.port = processes, env, free_port()
        self.command = [sys.executable, "-m", "gunicorn", "-k", "gthread", "-w", str(workers), "--threads",
                        str(threads), "-b", f"127.0.0.1:{self.port}", "wsgi:app"]
        self.process = None

    def start(self, timeout=30):
        """Start the server and wait until it accepts connections."""
        self.process = self.processes.start(self.command, self.env)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn stopped at start\n{self.processes.logs()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"gunicorn did not start\n{self.processes.logs()}")

    def kill(self):
        """Kill the server and its workers with SIGKILL, as a crash or the OOM killer would."""
        self.processes.kill(self.process)

    def request(self, method, path, body=None, *, form=None, headers=None, timeout=60):
        """Send one request on a new connection (a JSON ``body`` or a ``form``); return ``(status, response,
        answer)``, the answer JSON-decoded when it is JSON, else text."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            data, sent = None, {}
            if body is not None:
                data, sent = json.dumps(body), {"Content-Type": "application/json"}
            elif form is not None:
                data, sent = urllib.parse.urlencode(form), {"Content-Type": "application/x-www-form-urlencoded"}
            connection.request(method, path, data, sent | (headers or {}))
            response = connection.getresponse()
            raw = response.read()
            is_json = response.getheader("Content-Type", "").startswith("application/json")
            return response.status, response, json.loads(raw) if is_json else raw.decode(errors="replace")
        finally:
            connection.close()
