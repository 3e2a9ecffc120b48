"""A real SMTP server on loopback (aiosmtpd) and a stored digest to e-mail, for the mail tests."""
import email
import socket
from datetime import UTC, date, datetime
from email import policy

from tracker.digests.models import Digest, DigestRecipient

DAY = date(2025, 8, 20)
#: 00:30 on 20/08/2025 in Dak Lak: the digest dated that day is today's.
NOW = datetime(2025, 8, 19, 17, 30, tzinfo=UTC)
BASE_URL = "https://bcd.daklak.example/tracker"


def sample_payload(**changes):
    """The digest of Xã Ea Kao for 20/08/2025 (day 37 of 103, 67 days left), after docs/digest.md."""
    villages = [{"code": f"66001{n:02d}", "name": f"Thôn {n}", "commune": "Xã Ea Kao"} for n in range(3, 10)]
    ranking = [{"code": f"66001{n:02d}", "name": name, "target": 500, "reached": reached,
                "percent": round(100 * reached / 500, 1), "rank": n, "rank_yesterday": n, "rank_change": 0}
               for n, (name, reached) in enumerate([("Buôn Ko Tam", 400), ("Thôn Điện Tân", 350), ("Buôn Trấp", 300),
                                                    ("Thôn Hoà Bình", 200), ("Buôn Đắk Liêng", 150),
                                                    ("Thôn Quyết Thắng", 100), ("Buôn Ê Kênh", 34)], start=1)]
    payload = {
        "campaign": {"id": 1, "name": "100 ngày cao điểm"},
        "unit": {"code": "66001", "name": "Xã Ea Kao", "level": "commune"},
        "date": DAY.isoformat(), "as_of": "2025-08-19T17:00:00+00:00",
        "start_date": "2025-07-15", "deadline": "2025-10-25",
        "day_number": 37, "days_total": 103, "days_left": 67,
        "target": 3000, "reached": 1234, "reached_percent": 41.1,
        "new_reached_yesterday": 48, "checkins_yesterday": 61, "trainings_held_yesterday": 3,
        "trainings_held_total": 52, "required_daily_pace": 27, "pace_7d": 42.86,
        "projected_completion_date": "2025-10-01", "on_track": True,
        "villages_total": 9, "villages_reached": 2, "villages_not_reached": villages,
        "ranking": ranking,
        "breakdown": {"gender": {"female": 700, "male": 530, "other": 4},
                      "ethnic_minority": {"minority": 810, "majority": 424},
                      "age_band": {"under_15": 0, "15-24": 300, "25-39": 420, "40-59": 380, "60+": 134},
                      "topic": {"VNeID": 900}},
        "indicators": [{"key": "vneid_level2", "name": "VNeID mức 2", "target": 2100, "reached": 640,
                        "reached_percent": 30.5}],
        "upcoming": [], "stale": [], "series": [],
    }
    return payload | changes


def store_digest(db, campaign, unit, day=DAY, payload=None):
    """Store a digest of ``unit`` for ``day`` with the sample payload (or ``payload``)."""
    digest = Digest(campaign=campaign, unit=unit, date=day, payload=payload or sample_payload(),
                    compiled_at=NOW)
    db.session.add(digest)
    db.session.commit()
    return digest


def add_recipient(db, unit, address, *, language="vi", name=None, user=None, is_active=True):
    """Store a recipient of ``unit``'s digest."""
    recipient = DigestRecipient(unit=unit, email=address, language=language, name=name, user=user,
                                is_active=is_active)
    db.session.add(recipient)
    db.session.commit()
    return recipient


def free_port():
    """Return a loopback port nothing listens on (yet)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Collector:
    """An aiosmtpd handler that keeps what it receives, or refuses with a given reply."""

    def __init__(self):
        self.envelopes, self.refuse_rcpt, self.refuse_data = [], None, None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse_rcpt:
            return self.refuse_rcpt
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.refuse_data:
            return self.refuse_data
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def messages(self):
        """Return every message received, parsed by the standard library."""
        return [email.message_from_bytes(envelope.content, policy=policy.default) for envelope in self.envelopes]


def use_smtp(app, monkeypatch, port):
    """Point the app at an SMTP server on loopback ``port``, without TLS, links at ``BASE_URL``."""
    for key, value in {"TRACKER_SMTP_HOST": "127.0.0.1", "TRACKER_SMTP_PORT": port, "TRACKER_SMTP_SECURITY": "none",
                       "TRACKER_SMTP_TIMEOUT": 5, "TRACKER_MAIL_SENDER": "Ban chỉ đạo <noreply@daklak.example>",
                       "TRACKER_BASE_URL": BASE_URL}.items():
        monkeypatch.setitem(app.config, key, value)
