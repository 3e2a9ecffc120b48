"""The floor of the check-in benchmark: the least a check-in must do, in a bare Flask app over raw psycopg/sqlite3.

Served by the same gunicorn as the tracker (``benchmarks/checkin.py`` starts both), on the same
database, it answers the tracker's two check-in routes doing only what no check-in can skip:

- ``POST /api/v1/trainings/<id>/checkins``: read the JSON, verify the card's HMAC, then one
  statement that finds the bearer token (by its SHA-256), its user, the training within the
  user's unit and the participant; check the window; ``INSERT … ON CONFLICT DO NOTHING`` the
  check-in, mark a planned training held, insert the event, commit; answer 201 (200 when the
  person was already in).
- ``POST /api/v1/checkins/sync``: the same for up to 500 scans in one transaction: one
  statement for the token, one for the trainings and one for the participants of the batch,
  the check-ins and their events inserted by ``executemany`` (pipelined on PostgreSQL).

Each gunicorn thread keeps one connection. No ORM, no schema library, no translations, no error
bodies beyond a status: what is left of a check-in's cost here is the database's and HTTP's.
"""
import base64
import hashlib
import hmac
import json
import os
import re
import threading
import uuid
from datetime import UTC, datetime, timedelta

from flask import Flask, abort, jsonify, request

app = Flask(__name__)

DATABASE_URL = os.environ["TRACKER_DATABASE_URL"]
POSTGRESQL = DATABASE_URL.startswith("postgresql")
QR_KEY = hmac.new(os.environ["TRACKER_SECRET_KEY"].encode(), b"tracker qr card key v1", hashlib.sha256).digest()
TOKEN_RE = re.compile(r"^PD1\.([2-9A-HJ-NP-Z]{8})\.([A-Z2-7]{16})$")
OPENS_BEFORE, CLOSES_AFTER = timedelta(minutes=60), timedelta(minutes=120)
_local = threading.local()

# One statement: the token's user and scope, the training inside that scope, the participant.
LOOKUP = """
SELECT u.id, tr.id, tr.campaign_id, tr.village_id, tr.starts_at, tr.ends_at, tr.status, p.id, p.code, p.full_name
FROM api_tokens t
JOIN users u ON u.id = t.user_id
JOIN units scope ON scope.id = u.unit_id
JOIN trainings tr ON tr.id = {p}
JOIN units v ON v.id = tr.village_id AND v.path LIKE scope.path || '{pct}'
LEFT JOIN participants p ON p.code = {p}
WHERE t.token_hash = {p} AND t.expires_at > {p}
"""
TOKEN_USER = """
SELECT u.id, scope.path FROM api_tokens t JOIN users u ON u.id = t.user_id JOIN units scope ON scope.id = u.unit_id
WHERE t.token_hash = {p} AND t.expires_at > {p}
"""
INSERT_CHECKIN = """
INSERT INTO checkins (training_id, participant_id, scan_id, scanned_at, recorded_at, volunteer_id, source, is_offline)
VALUES ({p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}) ON CONFLICT DO NOTHING RETURNING id
"""
INSERT_EVENT = """
INSERT INTO events (type, occurred_at, actor_id, campaign_id, unit_id, subject_type, subject_id, payload, txid)
VALUES ('checkin.recorded', {p}, {p}, {p}, {p}, 'checkin', {p}, {p}, {txid})
"""
MARK_HELD = "UPDATE trainings SET status = 'held', updated_at = {p} WHERE id = {p} AND status = 'planned'"


def sql(text):
    """The statement with the driver's placeholders."""
    return text.format(p="%s" if POSTGRESQL else "?", pct="%%" if POSTGRESQL else "%",
                       txid="pg_current_xact_id()::text::bigint" if POSTGRESQL else "NULL")


LOOKUP, TOKEN_USER, INSERT_CHECKIN, INSERT_EVENT, MARK_HELD = map(sql, (LOOKUP, TOKEN_USER, INSERT_CHECKIN,
                                                                      INSERT_EVENT, MARK_HELD))


def connection():
    """This thread's connection, opened on first use."""
    conn = getattr(_local, "conn", None)
    if conn is None:
        if POSTGRESQL:
            import psycopg

            conn = psycopg.connect(DATABASE_URL.replace("postgresql+psycopg://", "postgresql://"))
        else:
            import sqlite3

            conn = sqlite3.connect(DATABASE_URL.removeprefix("sqlite:///"), isolation_level=None, timeout=30)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA busy_timeout=30000")
        _local.conn = conn
    return conn


def stored(moment):
    """An instant as the tracker stores it: aware on PostgreSQL, naive UTC text on SQLite."""
    return moment if POSTGRESQL else moment.astimezone(UTC).replace(tzinfo=None).isoformat(" ")


def read(moment):
    return moment if POSTGRESQL else datetime.fromisoformat(moment).replace(tzinfo=UTC)


def card_code(qr):
    """The participant code of a card whose signature holds, else 422."""
    match = TOKEN_RE.match(qr or "")
    if not match:
        abort(422)
    digest = hmac.new(QR_KEY, f"PD1.{match[1]}".encode(), hashlib.sha256).digest()[:10]
    if not hmac.compare_digest(base64.b32encode(digest).decode(), match[2]):
        abort(422)
    return match[1]


def bearer():
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        abort(401)
    return hashlib.sha256(header[7:].encode()).hexdigest()


def begin(conn):
    if not POSTGRESQL:
        conn.execute("BEGIN IMMEDIATE")


@app.post("/api/v1/trainings/<int:training_id>/checkins")
def check_in(training_id):
    scan = request.get_json()
    code, token_hash, now = card_code(scan.get("qr")), bearer(), datetime.now(UTC)
    scanned_at = datetime.fromisoformat(scan["scanned_at"])
    conn = connection()
    begin(conn)
    try:
        row = conn.execute(LOOKUP, (training_id, code, token_hash, stored(now))).fetchone()
        if row is None:
            abort(404)
        user_id, _tid, campaign_id, village_id, starts_at, ends_at, status, person_id, person_code, name = row
        if person_id is None or not read(starts_at) - OPENS_BEFORE <= scanned_at <= read(ends_at) + CLOSES_AFTER:
            abort(422)
        scan_id = uuid.UUID(scan["scan_id"])
        inserted = conn.execute(INSERT_CHECKIN, (training_id, person_id, scan_id if POSTGRESQL else scan_id.hex,
                                                 stored(scanned_at), stored(now), user_id, "camera", False)).fetchone()
        if inserted is not None:
            if status == "planned":
                conn.execute(MARK_HELD, (stored(now), training_id))
            payload = {"training_id": training_id, "participant": person_code, "source": "camera", "offline": False,
                       "shown": None, "scanned_at": scanned_at.isoformat()}
            conn.execute(INSERT_EVENT, (stored(now), user_id, campaign_id, village_id, str(inserted[0]),
                                        json.dumps(payload)))
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    body = {"result": "checked_in" if inserted else "already_checked_in",
            "participant": {"code": person_code, "full_name": name}, "checked_in_at": scan["scanned_at"]}
    return jsonify(body), 201 if inserted else 200


@app.post("/api/v1/checkins/sync")
def sync():
    scans, token_hash, now = request.get_json()["scans"], bearer(), datetime.now(UTC)
    codes = [card_code(scan.get("qr")) for scan in scans]
    conn = connection()
    begin(conn)
    try:
        user = conn.execute(TOKEN_USER, (token_hash, stored(now))).fetchone()
        if user is None:
            abort(401)
        user_id, scope = user
        trainings = {row[0]: row[1:] for row in _in(conn, "SELECT tr.id, tr.campaign_id, tr.village_id, tr.starts_at, "
                     "tr.ends_at, tr.status FROM trainings tr JOIN units v ON v.id = tr.village_id "
                     "WHERE v.path LIKE {p} AND tr.id IN ({ids})", [scope + "%"],
                     sorted({scan["training_id"] for scan in scans}))}
        people = {row[0]: row[1:] for row in _in(conn, "SELECT p.code, p.id FROM participants p WHERE p.code IN ({ids})",
                                                 [], sorted(set(codes)))}
        rows, results, held = [], [], set()
        for scan, code in zip(scans, codes):
            training, person = trainings.get(scan["training_id"]), people.get(code)
            scanned_at = datetime.fromisoformat(scan["scanned_at"])
            if training is None or person is None or not (
                    read(training[2]) - OPENS_BEFORE <= scanned_at <= read(training[3]) + CLOSES_AFTER):
                results.append({"scan_id": scan["scan_id"], "status": 422})
                continue
            scan_id = uuid.UUID(scan["scan_id"])
            rows.append((scan["training_id"], person[0], scan_id if POSTGRESQL else scan_id.hex, stored(scanned_at),
                         stored(now), user_id, "sync", True))
            if training[4] == "planned":
                held.add(scan["training_id"])
            results.append({"scan_id": scan["scan_id"], "status": 201, "code": code})
        inserted = _insert_all(conn, rows)
        events = [(stored(now), user_id, trainings[row[0]][0], trainings[row[0]][1], str(checkin_id),
                   json.dumps({"training_id": row[0], "participant_id": row[1], "source": "sync", "offline": True}))
                  for row, checkin_id in zip(rows, inserted) if checkin_id is not None]
        conn.cursor().executemany(INSERT_EVENT, events)
        for training_id in sorted(held):
            conn.execute(MARK_HELD, (stored(now), training_id))
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    return jsonify({"results": results})


def _in(conn, text, params, ids):
    """Run a statement with an ``IN`` list of ``ids``."""
    marks = ", ".join(["%s" if POSTGRESQL else "?"] * len(ids)) or "NULL"
    return conn.execute(sql(text.replace("{ids}", "{{ids}}")).replace("{ids}", marks), [*params, *ids]).fetchall()


def _insert_all(conn, rows):
    """Insert the check-in rows; return each one's new id, or None where the person was already in."""
    if POSTGRESQL:
        cursor = conn.cursor()
        cursor.executemany(INSERT_CHECKIN, rows, returning=True)
        ids = []
        while True:
            found = cursor.fetchone()
            ids.append(found[0] if found else None)
            if not cursor.nextset():
                return ids
    return [(conn.execute(INSERT_CHECKIN, row).fetchone() or (None,))[0] for row in rows]
