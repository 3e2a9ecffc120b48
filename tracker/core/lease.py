"""A lease row in the database: which process may run the scheduled jobs right now.

APScheduler 3 cannot share its job store between processes, so every process schedules the
jobs, and a job runs only in the process that holds the lease. The lease is taken with a
conditional UPDATE (on SQLite and PostgreSQL alike), renewed while held, and expires when its
holder dies, so another process takes over.
"""
import os
import secrets
import socket
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from tracker.core.db import dialect_insert
from tracker.core.time import utcnow
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


def new_holder():
    """Return a name for this process as a lease holder: host, pid and a random part."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


def acquire(name, holder, ttl, *, now=None):
    """Take lease ``name`` for ``holder`` for ``ttl`` seconds, or renew it; tell whether it is held.

    The row is taken by one conditional UPDATE, in a short transaction on a connection of its
    own: it succeeds when the lease is free, expired or already ``holder``'s.
    """
    now = now or utcnow()
    table = Lease.__table__
    with db.engine.begin() as connection:
        connection.execute(_insert_missing(connection, name))
        result = connection.execute(
            sa.update(table)
            .where(table.c.name == name,
                   sa.or_(table.c.holder.is_(None), table.c.expires_at < now, table.c.holder == holder))
            .values(holder=holder, expires_at=now + timedelta(seconds=ttl),
                    acquired_at=sa.case((table.c.holder == holder, table.c.acquired_at),
                                        else_=sa.literal(now, table.c.acquired_at.type)))
        )
    return result.rowcount == 1


def _insert_missing(connection, name):
    """An INSERT of a free lease row that does nothing when the row exists (or is inserted concurrently)."""
    return dialect_insert(connection, Lease.__table__).values(name=name).on_conflict_do_nothing(index_elements=["name"])


def release(name, holder):
    """Give lease ``name`` up if ``holder`` holds it; tell whether it did."""
    table = Lease.__table__
    with db.engine.begin() as connection:
        result = connection.execute(
            sa.update(table).where(table.c.name == name, table.c.holder == holder)
            .values(holder=None, expires_at=None)
        )
    return result.rowcount == 1


def current_holder(name, *, now=None):
    """Return who holds lease ``name`` now, or None when it is free or expired."""
    now = now or utcnow()
    with db.engine.connect() as connection:
        row = connection.execute(sa.select(Lease.holder, Lease.expires_at).where(Lease.name == name)).first()
    if row is None or row.holder is None or row.expires_at < now:
        return None
    return row.holder
