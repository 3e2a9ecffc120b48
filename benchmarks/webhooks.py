"""How soon a webhook leaves after the commit, through gunicorn with the embedded scheduler.

gunicorn serves the tracker with several gthread workers, each running the scheduler; only the
lease holder delivers. Events are made through the API (a units import, one event each) at a
steady pace, alternating between workers as the kernel spreads the connections; a receiver on
loopback checks each request's signature (the ``standardwebhooks`` package) and notes when it
came. An event committed in the lease holder wakes its delivery job at once; one committed in
another worker waits for the job's 2 s sweep. Prints the latency from the API's answer to the
receiver, and whether every event came once, in order.

    .venv/bin/python benchmarks/webhooks.py [--postgresql] [--events 40] [--workers 2]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from standardwebhooks import Webhook

sys.path.insert(0, str(Path(__file__).resolve().parent))
from support import scratch_database, serve  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "bench-password-123"
UNITS = "code,name,level,parent_code,population\n66,Tỉnh Đắk Lắk,province,,1000\n66001,Xã Ea Kao,commune,66,{}\n"


class Receiver:
    """Checks each delivery's signature and notes when each event id first came (and how often)."""

    def __init__(self):
        self.secret, self.arrivals, self.order = None, {}, []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                event = Webhook(receiver.secret).verify(body, dict(self.headers))
                receiver.arrivals.setdefault(event["id"], []).append(time.monotonic())
                receiver.order.append(event["id"])
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"


def call(port, method, path, body=None, token=None, content_type="application/json"):
    data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
    headers = {"Content-Type": content_type, **({"Authorization": f"Bearer {token}"} if token else {})}
    request = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1{path}", data=data, method=method,
                                     headers=headers)
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read() or b"{}")


def prepare(env):
    """Migrate, import the units and create the admin, through the CLI as an operator would."""
    flask = [sys.executable, "-m", "flask", "--app", "tracker"]
    units = Path(env["TRACKER_INSTANCE_PATH"]) / "units.csv"
    units.write_text(UNITS.format(500))
    for command, stdin in ((["db", "upgrade"], None), (["units", "import", str(units)], None),
                           (["users", "create", "bench.admin", "--role", "admin", "--unit", "66",
                             "--password-stdin"], PASSWORD)):
        subprocess.run([*flask, *command], env=env, cwd=ROOT, input=stdin, text=True, check=True,
                       capture_output=True)


def explain_missing(port, token, hook_id, receiver, after):
    """Say, for each event made after ``after`` that never arrived, what its delivery shows."""
    events = call(port, "GET", f"/events?after={after}&limit=100", token=token)["items"]
    made = [event["id"] for event in events if event["type"] == "unit.imported"]
    deliveries = {item["event_id"]: item for item in call(port, "GET", f"/webhooks/{hook_id}/deliveries?limit=100",
                                                          token=token)["items"]}
    return [f"not received: event {event_id}, delivery {deliveries.get(event_id, 'none')}"
            for event_id in made if event_id not in receiver.arrivals]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgresql", action="store_true")
    parser.add_argument("--events", type=int, default=40)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--pause", type=float, default=0.5, help="seconds between events")
    args = parser.parse_args()
    with scratch_database(args.postgresql) as (database_url, instance):
        env = os.environ | {"TRACKER_DATABASE_URL": database_url, "TRACKER_INSTANCE_PATH": instance,
                            "TRACKER_SECRET_KEY": "bench", "TRACKER_SCHEDULER": "embedded",
                            "TRACKER_SCHEDULER_LEASE_TTL": "6"}
        prepare(env)
        command = [sys.executable, "-m", "gunicorn", "-w", str(args.workers), "-k", "gthread", "--threads", "4",
                   "--log-level", "warning", "wsgi:app"]
        with serve(command, env, ROOT) as port:
            time.sleep(2)  # a worker takes the scheduler lease
            receiver = Receiver()
            token = call(port, "POST", "/auth/tokens", {"username": "bench.admin", "password": PASSWORD})["token"]
            hook = call(port, "POST", "/webhooks", {"url": receiver.url, "events": ["unit.imported"]}, token)
            receiver.secret = hook["secret"]
            answered = []
            after = max((event["id"] for event in call(port, "GET", "/events?limit=100", token=token)["items"]), default=0)
            for number in range(args.events):
                call(port, "POST", "/units/import", UNITS.format(501 + number).encode(), token, "text/csv")
                answered.append(time.monotonic())
                time.sleep(args.pause)
            deadline = time.monotonic() + 30
            while len(receiver.arrivals) < args.events and time.monotonic() < deadline:
                time.sleep(0.05)
            missing = explain_missing(port, token, hook["id"], receiver, after)
        ids = sorted(receiver.arrivals)
        latencies = sorted(receiver.arrivals[event_id][0] - at for event_id, at in zip(ids, answered))
        kind = "PostgreSQL" if args.postgresql else "SQLite"
        print(f"{kind}, gunicorn {args.workers} gthread workers, {args.events} events {args.pause} s apart")
        print(f"delivered {len(ids)}/{args.events}; duplicates {len(receiver.order) - len(ids)}; "
              f"in order: {receiver.order == sorted(receiver.order)}; signatures verified: all")
        for line in missing:
            print(line)
        if latencies:
            print(f"commit → receiver: median {statistics.median(latencies) * 1000:.0f} ms, "
                  f"p90 {latencies[int(0.9 * (len(latencies) - 1))] * 1000:.0f} ms, "
                  f"max {latencies[-1] * 1000:.0f} ms")


if __name__ == "__main__":
    main()
