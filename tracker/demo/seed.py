"""``flask --app tracker demo``: seed a realistic province through the domain operations.

Everything is created by the same operations the web UI, the API and the CLI use, so every
change writes its event; the command commits once at the end. The data come from a seeded
random generator: the same demo every time, placed so that today is day 40 of the campaign.
"""
import csv
import io
import math
import os
import random
import warnings
from datetime import time, timedelta

import click
import sqlalchemy as sa
from flask.cli import with_appcontext
from flask_migrate import upgrade

from tracker.auth.models import Role, User
from tracker.auth.operations import create_user
from tracker.campaigns.operations import create_campaign, set_targets
from tracker.campaigns.queries import total_target
from tracker.campaigns.schemas import DEFAULT_TOPICS
from tracker.core.time import DEFAULT_TIMEZONE, combine_local, today, utcnow
from tracker.demo import data as names
from tracker.demo.people import seed_people, set_indicator_shares
from tracker.demo.scan import describe, ensure_open_trainings
from tracker.digests.figures import build_payload_at
from tracker.events.models import Event
from tracker.extensions import db
from tracker.geo.models import Unit, UnitLevel
from tracker.geo.operations import COLUMNS, import_units
from tracker.geo.queries import get_units_by_codes
from tracker.trainings.operations import cancel_training, schedule_training

#: The seed of the generator: change it for another, equally plausible province.
SEED = 66
#: The campaign is placed so that today (in its time zone) is this day of it.
TODAY_DAY_NUMBER = 40
DAYS_TOTAL = 103
#: The demo holds a few thousand people, not a province's 300,000 adults: its targets are the share of
#: the population that the province would reach at the pace of its last 7 days this many days after
#: the deadline, so that its digest reads like a drive slightly behind (at 70 % of the population it
#: said "2.5 %, 1,700 days late").
LATE_BY_DAYS = 6
TRAININGS = 300
CANCELLED = 8
#: Trainings fall on the days from ``FIRST_OFFSET`` to ``LAST_OFFSET`` around today.
FIRST_OFFSET, LAST_OFFSET = -(TODAY_DAY_NUMBER - 1), 10
#: Where the quick start serves the app (it exports ``HOST`` and ``PORT``).
LOGIN_URL = f"http://{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '5000')}/login"


@click.command("demo")
@click.option("--reset", is_flag=True, help="Drop every table, recreate the schema and seed again.")
@click.option("--if-empty", is_flag=True,
              help="On a database that already holds data, seed nothing and exit 0.")
@click.option("--ensure-open-trainings", "open_now", is_flag=True,
              help="Then plan a training open for check-in now in each demo commune that has none.")
@with_appcontext
def demo_command(reset, if_empty, open_now):
    """Seed a Dak Lak-like province with a running campaign; print how to sign in."""
    if reset:
        reset_database()
    elif not sa.inspect(db.engine).has_table(Unit.__tablename__):
        upgrade()
    if is_seeded():
        if if_empty:
            click.echo("Dữ liệu đã có sẵn — already seeded; nothing seeded. "
                       f"Sign in at {LOGIN_URL} (demo accounts: see README.md).")
            if open_now:
                print_open(committed(ensure_open_trainings))
            return
        raise click.ClickException(
            "Cơ sở dữ liệu đã có dữ liệu — the database already holds data; nothing changed. "
            "Run `flask --app tracker demo --reset` to wipe it and seed the demo again."
        )
    summary = committed(lambda: seed_demo(open_now=open_now))
    print_summary(summary)
    if open_now:
        print_open(summary["open"])


def committed(step):
    """Run ``step`` in one transaction: commit what it did, or roll it all back; return its result."""
    try:
        result = step()
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return result


def print_open(lines):
    """Print where to try the scanner."""
    click.echo("")
    for text in describe(lines):
        click.echo(text)


def reset_database():
    """Drop every table of the database (``alembic_version`` included) and migrate afresh."""
    db.session.remove()
    with db.engine.connect() as connection:
        is_sqlite = connection.dialect.name == "sqlite"
        if is_sqlite:
            # SQLite empties a table row by row before dropping it: units point at their
            # parents with ON DELETE RESTRICT, so the checks must be off meanwhile.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        existing = sa.MetaData()
        existing.reflect(bind=connection)
        with warnings.catch_warnings():
            # Users and enrolments point at each other: SQLAlchemy drops those foreign keys first
            # (ALTER TABLE; SQLite has its checks off) and warns that it had to.
            warnings.filterwarnings("ignore", "Can't sort tables for DROP", sa.exc.SAWarning)
            existing.drop_all(bind=connection)
        connection.commit()
        if is_sqlite:
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
    upgrade()


def is_seeded():
    """Tell whether the database holds any unit or user."""
    return any(db.session.scalar(sa.select(model.id).limit(1)) is not None for model in (Unit, User))


def seed_demo(*, seed=SEED, now=None, open_now=False):
    """Create the province, users, campaign and trainings (no commit); return a summary.

    With ``open_now``, each demo commune also gets a training open for check-in now if it has none.
    """
    rng = random.Random(seed)
    units = seed_units(rng)
    users = seed_users(units)
    admin = users["admin"]
    campaign = seed_campaign(units[names.PROVINCE_CODE], admin, now=now)
    villages = sorted((unit for unit in units.values() if unit.level == UnitLevel.village),
                      key=lambda unit: unit.code)
    trainings = seed_trainings(campaign, villages, admin, rng)
    now = now or utcnow()
    people = seed_people(campaign, trainings, users, rng, now=now)
    rate = set_demo_targets(campaign, admin, now=now)
    opened = ensure_open_trainings(now=now) if open_now else []
    trainings = trainings + [line["training"] for line in opened if line["created"]]
    return {"province": units[names.PROVINCE_CODE], "campaign": campaign, "units": units,
            "trainings": trainings, "users": users, "now": now, "open": opened, "target_rate": rate, **people}


def build_unit_rows(rng):
    """Return the CSV rows ``code,name,level,parent_code,population`` of the whole province."""
    rows = []
    for index, (name, prefix, numbered, named) in enumerate(names.COMMUNES, start=1):
        code = f"{names.PROVINCE_CODE}{index:03d}"
        villages = [f"{prefix} {number}" for number in range(1, numbered + 1)] + named
        populations = [rng.randint(*names.POPULATION[village_kind(village)]) for village in villages]
        rows.append((code, name, UnitLevel.commune.value, names.PROVINCE_CODE, sum(populations)))
        rows.extend((f"{code}{number:02d}", village, UnitLevel.village.value, code, population)
                    for number, (village, population) in enumerate(zip(villages, populations), start=1))
    total = sum(row[4] for row in rows if row[2] == UnitLevel.commune.value)
    province = (names.PROVINCE_CODE, names.PROVINCE_NAME, UnitLevel.province.value, "", total)
    return [province, *rows]


def seed_units(rng):
    """Import the province's unit tree as CSV; return ``{code: unit}``."""
    rows = build_unit_rows(rng)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    import_units(buffer.getvalue(), user=None)
    return get_units_by_codes(row[0] for row in rows)


def seed_users(units):
    """Create the demo accounts from the command line's authority; return ``{username: user}``."""
    communes = {unit.name: unit for unit in units.values() if unit.level == UnitLevel.commune}
    users = {}
    for username, role, unit_key, full_name in names.ACCOUNTS:
        data = {"username": username, "role": Role(role), "password": names.PASSWORDS[role],
                "unit": units.get(unit_key) or communes[unit_key], "full_name": full_name,
                "email": None}
        users[username] = create_user(data, user=None)
    return users


def seed_campaign(province, admin, *, now=None):
    """Create the 103-day campaign around today (its targets are set once its people are in)."""
    start = today(DEFAULT_TIMEZONE, now=now) - timedelta(days=TODAY_DAY_NUMBER - 1)
    data = {"name": names.CAMPAIGN_NAME, "unit": province, "start_date": start,
            "deadline": start + timedelta(days=DAYS_TOTAL - 1), "timezone": DEFAULT_TIMEZONE,
            "digest_time": time(6, 0), "target": None, "topics": list(DEFAULT_TOPICS)}
    return create_campaign(data, user=admin)


def set_demo_targets(campaign, admin, *, now):
    """Set every commune's and village's target at one rate of its population: the rate that leaves the
    province ``LATE_BY_DAYS`` behind at its recent pace, read from the digest's own figures; the
    indicators' targets follow it. Return the rate."""
    figures = build_payload_at(campaign, campaign.unit, now)
    wanted = figures["reached"] + math.ceil(figures["pace_7d"] * (figures["days_left"] + LATE_BY_DAYS))
    rate = math.ceil(10_000 * wanted / campaign.unit.population) / 10_000  # in hundredths of a percent, up
    set_targets(campaign, {"rate": rate}, user=admin)
    set_indicator_shares(campaign, rate, admin)
    return rate


def seed_trainings(campaign, villages, admin, rng):
    """Schedule trainings over past and coming days, then cancel a few; return them."""
    demo_communes = {unit for _username, _role, unit, _name in names.ACCOUNTS}
    featured = [village for village in villages if village.parent.name in demo_communes]
    day_zero = campaign.start_date + timedelta(days=TODAY_DAY_NUMBER - 1)
    taken = set()
    trainings = []
    while len(trainings) < TRAININGS:
        # The first few fall today and tomorrow, so that every screen has something coming up.
        # Half of those are in the demo users' communes, so that their dashboards have them too.
        upcoming = len(trainings) < 24
        offset = len(trainings) // 12 if upcoming else rng.randint(FIRST_OFFSET, LAST_OFFSET)
        pool = featured if upcoming and len(trainings) % 2 == 0 else villages
        village, slot = rng.choice(pool), rng.choice(names.SLOTS)
        day = day_zero + timedelta(days=offset)
        if (village.id, day) in taken:
            continue
        taken.add((village.id, day))
        data = training_data(campaign, village, day, slot, rng)
        trainings.append(schedule_training(data, user=admin))
    for training in rng.sample(trainings, CANCELLED):
        cancel_training(training, reason=rng.choice(names.CANCEL_REASONS), user=admin)
    return trainings


def training_data(campaign, village, day, slot, rng):
    """Return the input of ``schedule_training`` for one session in ``village`` on ``day``."""
    kind = village_kind(village.name)
    words = {"village": lower_first(village.name), "commune": lower_first(village.parent.name)}
    topic = rng.choice(campaign.topics)
    title = rng.choice(names.TITLES.get(topic) or [f"Tập huấn: {topic}"])
    trainer = f"{rng.choice(names.TRAINERS)} ({rng.choice(names.ORGANISATIONS)})"
    (start_hour, start_minute), (end_hour, end_minute) = slot
    return {
        "campaign_id": campaign.id,
        "village": village,
        "title": title.format(**words),
        "topic": topic,
        "starts_at": combine_local(day, time(start_hour, start_minute), campaign.timezone),
        "ends_at": combine_local(day, time(end_hour, end_minute), campaign.timezone),
        "place": rng.choice(names.PLACES[kind]).format(**words),
        "trainer": trainer.format(**words),
        "capacity": rng.randrange(30, 85, 5),
    }


def village_kind(name):
    """Return ``Tổ dân phố``, ``Thôn`` or ``Buôn`` for a village name."""
    return next(kind for kind in names.POPULATION if name.startswith(kind))


def lower_first(name):
    """``Thôn Tân Lập`` → ``thôn Tân Lập``: the kind of unit is a common noun inside a phrase."""
    return name[:1].lower() + name[1:]


def print_summary(summary):
    """Print what was seeded and the table of demo sign-ins."""
    province, campaign, now = summary["province"], summary["campaign"], summary["now"]
    trainings = summary["trainings"]
    levels = [unit.level for unit in summary["units"].values()]
    cancelled = sum(training.is_cancelled for training in trainings)
    past = sum(training.starts_at < now and not training.is_cancelled for training in trainings)
    held = sum(training.status.value == "held" for training in trainings)
    events = db.session.scalar(sa.select(sa.func.count()).select_from(Event))
    day_number = (today(campaign.timezone, now=now) - campaign.start_date).days + 1
    click.echo("Đã tạo dữ liệu mẫu — demo data seeded:")
    click.echo(f"  {province.name} [{province.code}]: {levels.count(UnitLevel.commune)} xã/phường "
               f"(communes), {levels.count(UnitLevel.village)} thôn/buôn/tổ dân phố (villages), "
               f"{province.population:,} người trưởng thành (adults)")
    click.echo(f"  Chiến dịch (campaign) #{campaign.id} “{campaign.name}”: "
               f"{campaign.start_date:%d/%m/%Y} → {campaign.deadline:%d/%m/%Y}, hôm nay ngày "
               f"{day_number}/{campaign.days_total} (today: day {day_number} of {campaign.days_total}), "
               f"chỉ tiêu (target) {total_target(campaign):,} = {summary['target_rate']:.2%} dân số (of adults)")
    click.echo(f"  Buổi tập huấn (trainings): {len(trainings)} — {past} đã qua (past), "
               f"{len(trainings) - past - cancelled} sắp tới (coming), {cancelled} đã hủy (cancelled); "
               f"{held} đã tổ chức (held)")
    click.echo(f"  Người tham gia (participants): {summary['participants']:,}, "
               f"lượt điểm danh (check-ins): {summary['checkins']:,}")
    click.echo(f"  Sự kiện (events): {events}")
    click.echo("")
    click.echo(f"Đăng nhập — sign in at {LOGIN_URL}")
    print_logins(summary["users"].values())


def print_logins(users):
    """Print one row per demo account: username, password, role and unit."""
    header = ("Tên đăng nhập / username", "Mật khẩu / password", "Vai trò / role", "Đơn vị / unit")
    rows = [(user.username, names.PASSWORDS[user.role.value], user.role.value,
             f"{user.unit.name} [{user.unit.code}]") for user in users]
    widths = [max(len(row[column]) for row in [header, *rows]) for column in range(3)]
    for row in [header, *rows]:
        click.echo("  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[3])
