"""The demo's trainings open for check-in now, so that the scanner can be tried at once.

``flask --app tracker demo --ensure-open-trainings`` (the quick start passes it every time it
runs) plans, in each demo commune that has none, a training that takes check-ins now and for at
least another hour, in the commune's village with the most registered participants; that
village's card sheet holds the cards to scan. The training is planned by the commune's demo
coordinator through ``schedule_training``, so it has its ``training.scheduled`` event like any
other. Part of the demo command; nothing here commits.
"""
import os
from datetime import time, timedelta

import sqlalchemy as sa

from tracker.auth.models import Role, User
from tracker.campaigns.queries import current_campaign_for
from tracker.checkins.operations import CLOSES_AFTER, OPENS_BEFORE
from tracker.core.errors import AppError
from tracker.core.time import combine_local, local, utcnow
from tracker.demo import data as names
from tracker.extensions import db
from tracker.geo.models import Unit, UnitLevel
from tracker.participants.models import Participant
from tracker.trainings.models import Training, TrainingStatus
from tracker.trainings.operations import schedule_training

#: A training counts as open when it still takes check-ins this long from now.
STILL_OPEN_FOR = timedelta(hours=1)
#: How long a training planned now lasts (check-in stays open two hours after its end).
DURATION = timedelta(hours=3)
#: Where the quick start serves the app (it exports ``HOST`` and ``PORT``).
SITE = f"http://{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '5000')}"


def ensure_open_trainings(*, now=None):
    """Plan a training open for check-in now in each demo commune that has none; return one line each.

    Each line is a dict: ``commune``, the open ``training`` (None if it could not be planned),
    whether it was ``created``, the ``village`` whose cards to scan, and the ``error`` if any.
    """
    now = now or utcnow()
    lines = []
    for commune in demo_communes():
        village = cards_village(commune)
        line = {"commune": commune, "village": village, "training": open_training_in(commune, now),
                "created": False, "error": None}
        if line["training"] is None:
            try:  # refused before anything is written: nothing to roll back
                line["training"] = plan_open_training(commune, village, now)
                line["created"] = True
            except AppError as error:
                line["error"] = " ".join([error.message, *(str(found[0]) for found in error.fields.values())])
        lines.append(line)
    return lines


def demo_communes():
    """Return the communes of the demo accounts, by code."""
    wanted = {unit for _username, _role, unit, _name in names.ACCOUNTS if unit != names.PROVINCE_CODE}
    return db.session.scalars(sa.select(Unit).where(Unit.level == UnitLevel.commune, Unit.name.in_(wanted))
                              .order_by(Unit.code)).all()


def open_training_in(commune, now):
    """Return the first training of ``commune`` that takes check-ins now and for a while yet, or None."""
    stmt = (sa.select(Training).join(Training.village)
            .where(Unit.parent_id == commune.id, Training.status != TrainingStatus.cancelled,
                   Training.starts_at <= now + OPENS_BEFORE, Training.ends_at >= now + STILL_OPEN_FOR - CLOSES_AFTER)
            .order_by(Training.starts_at, Training.id).limit(1))
    return db.session.scalar(stmt)


def cards_village(commune):
    """Return the village of ``commune`` with the most registered participants (the first by code if none)."""
    people = sa.func.count(Participant.id)
    stmt = (sa.select(Unit).outerjoin(Participant, Participant.village_id == Unit.id)
            .where(Unit.parent_id == commune.id).group_by(Unit.id).order_by(people.desc(), Unit.code).limit(1))
    return db.session.scalar(stmt)


def plan_open_training(commune, village, now):
    """Schedule a training in ``village`` from the last half hour for ``DURATION``, as the commune's coordinator."""
    planner = planner_for(commune)
    campaign = current_campaign_for(planner, now=now)
    if campaign is None:
        raise AppError("Không có chiến dịch nào — there is no campaign to plan a training in.")
    at = local(now, campaign.timezone)
    starts_at = combine_local(at.date(), time(at.hour, at.minute // 30 * 30), campaign.timezone)
    words = {"village": village.name[:1].lower() + village.name[1:], "commune": commune.name}
    data = {"campaign_id": campaign.id, "village": village, "starts_at": starts_at, "ends_at": starts_at + DURATION,
            "title": "Hướng dẫn kích hoạt VNeID mức 2 tại nhà văn hóa {village}".format(**words),
            "topic": "VNeID" if "VNeID" in campaign.topics else campaign.topics[0],
            "place": "Nhà văn hóa {village}".format(**words),
            "trainer": "Đoàn Thanh niên {commune}".format(**words), "capacity": 60}
    return schedule_training(data, user=planner)


def planner_for(commune):
    """Return the commune's active coordinator, else an active admin."""
    stmt = (sa.select(User).where(User.is_active.is_(True), sa.or_(
        sa.and_(User.role == Role.coordinator, User.unit_id == commune.id), User.role == Role.admin))
        .order_by(sa.case((User.role == Role.coordinator, 0), else_=1), User.id).limit(1))
    planner = db.session.scalar(stmt)
    if planner is None:
        raise AppError("Không có tài khoản nào để lên lịch — no coordinator or admin to plan the training.")
    return planner


def describe(lines):
    """Return the text lines saying where to scan: the open training and the card sheet of each demo commune."""
    text = ["Điểm danh thử — try the scanner (as eakao.tnv or buondon.tnv, on a phone or this computer):"]
    for line in lines:
        commune, training, village = line["commune"], line["training"], line["village"]
        if training is None:
            text.append(f"  {commune.name}: không lên lịch được buổi mở điểm danh — no open training: {line['error']} "
                        "(`flask --app tracker demo --reset` seeds a fresh demo around today)")
            continue
        tz = training.campaign.timezone
        state = "mới tạo (planned now)" if line["created"] else "đã có (already there)"
        text.append(f"  {commune.name}: “{training.title}”, {local(training.starts_at, tz):%H:%M}–"
                    f"{local(training.ends_at, tz):%H:%M}, {state} — {SITE}/scan?training={training.id}")
        if village is not None:
            text.append(f"    thẻ mẫu để quét (demo cards, as a coordinator): {SITE}/participants/cards?village={village.code}")
    return text
