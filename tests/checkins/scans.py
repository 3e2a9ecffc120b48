"""Scans for the check-in tests: as the API receives them and as operations take them."""
import uuid
from datetime import datetime

from tests.conftest import ICT
from tracker.cards.tokens import make_token

#: Half an hour into the dummy training (2025-08-20 08:00–10:00 +07:00).
DURING = datetime(2025, 8, 20, 8, 30, tzinfo=ICT)


def new_scan(participant, *, at=DURING, **change):
    """Return a loaded scan of ``participant``'s card, as operations take it."""
    return {"qr": make_token(participant.code), "scan_id": uuid.uuid4(), "scanned_at": at, "outcomes": [],
            "shown": None} | change


def scan_body(participant, *, at=DURING, **change):
    """Return the JSON body of a scan of ``participant``'s card."""
    return {"qr": make_token(participant.code), "scan_id": str(uuid.uuid4()), "scanned_at": at.isoformat()} | change
