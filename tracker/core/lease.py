"""A lease row in the database: which process may run the scheduled jobs right now.

APScheduler 3 cannot share its job store between processes, so every process schedules the
jobs, and a job runs only in the process that holds the lease. The lease is taken with a
conditional UPDATE (on SQLite and PostgreSQL alike), renewed while held, and expires when its
holder dies, so another process takes over.
"""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from tracker.extensions import db


class Lease(db.Model):
    __tablename__ = "leases"

    #: What the lease guards (``scheduler``).
    name: Mapped[str] = mapped_column(sa.String(50), primary_key=True)
    #: The process holding it (host, pid and a random part), or None.
    holder: Mapped[str | None] = mapped_column(sa.String(200))
    #: Until when the holder may act without renewing.
    expires_at: Mapped[datetime | None]
    acquired_at: Mapped[datetime | None]
