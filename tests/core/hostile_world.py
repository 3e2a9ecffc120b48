"""Hostile text stored through the real API and forms, for the injection tests (test_hostile_*.py).

Every value a person can type that ends up on a page, in a file, an e-mail or a JSON body gets
markup, SQL, spreadsheet formulas, template and format syntax, control and bidi characters.
"""
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser

import sqlalchemy as sa

from tracker.auth.enrolments.operations import enrol_volunteer, open_enrolment, revoke_volunteer
from tracker.auth.models import User
from tracker.checkins.held import hold_items
from tracker.checkins.models import HeldScan
from tracker.core.time import DEFAULT_TIMEZONE, today, utcnow

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
SQL = "Robert'); DROP TABLE participants;--"
FORMULA = '=HYPERLINK("http://x","y")'
JINJA = "{{7*7}} {% raw %} Hoa"
FORMAT = "%s %(x)s %d Lan"
CONTROL = "Hoa\x07\x1b[31m\x0b\x7f Mai"
RTL = "\u202eY Hoa Niê"  # left open, it would run to the end of the line: stored and shown without it
LONG = " ".join(["Nguyễn Thị Ánh Tuyết Hằng Phượng Ngọc Diễm Khuê"] * 4)[:199]
#: The participants' names; each must come back exactly as typed.
BACKSLASH = "Hoa\\Mai_Lan"
NAMES = [SCRIPT, IMG, SQL, FORMULA, JINJA, FORMAT, CONTROL, RTL, LONG, BACKSLASH, "+Trần -Văn", "@Lê Thị",
         "-1+1 Bình"]
#: The names as stored and shown: control and bidi characters dropped, a vertical tab read as a space.
SHOWN = [{CONTROL: "Hoa[31m Mai", RTL: "Y Hoa Niê"}.get(name, name) for name in NAMES]
#: What a page must never carry outside escaped form.
RAW_MARKUP = ("<script>alert(1)</script>", "<img src=x onerror", "<b>bold</b>")
#: Counted before and after: an injected DROP or DELETE would change these.
TABLES = ("units", "campaigns", "trainings", "participants", "checkins", "users", "events")


@dataclass
class World:
    """What the hostile setup stored, by role."""

    campaign: dict
    village: str
    training: dict
    upcoming: dict
    people: dict = field(default_factory=dict)  # name → API record
    checkins: dict = field(default_factory=dict)  # name → check-in id
    coordinator: object = None
    day: object = None


def village_csv():
    """A units CSV that adds a village with a hostile name under commune 66001."""
    name = pasted(VILLAGE_NAME).replace('"', '""')
    return f'code,name,level,parent_code,population\n6600103,"{name}",village,66001,900\n'


def pasted(text):
    """Return ``text`` as a paste may carry it: in a bidi isolate, with a bell and a line break (stored as ``text``)."""
    return f"\u2067{text}\x07\n\u2069"


VILLAGE_NAME = f"{SCRIPT} Buôn {IMG} {{{{7*7}}}}"
CAMPAIGN_NAME = f"{JINJA} <b>bold</b> {SQL} {FORMAT}"
TITLE = f"{IMG} {FORMULA}"
PLACE = f"{SQL} {SCRIPT}"
TRAINER = f"{FORMULA} {RTL}"
TRAINER_SHOWN = f"{FORMULA} Y Hoa Niê"
USER_NAME = f"{SCRIPT} {JINJA} Đoàn"
REASON = f"{SCRIPT} {SQL} {FORMAT}"
VOLUNTEER_NAME = f"{IMG} Y Bhim"
WALK_IN = f"{JINJA} {FORMULA}"


def build(client, api_as, users, login, db):
    """Store every hostile value through the API and the admin's forms; return the ``World``."""
    admin = api_as(users["admin"])
    assert admin.post("/api/v1/units/import", data=village_csv(), content_type="text/csv").status_code == 200
    day = today(DEFAULT_TIMEZONE)
    campaign = admin.post("/api/v1/campaigns", json={
        "name": pasted(CAMPAIGN_NAME), "unit": "66", "start_date": (day - timedelta(days=20)).isoformat(),
        "deadline": (day + timedelta(days=20)).isoformat(), "target": 1000, "topics": ["VNeID", SCRIPT],
        "is_public": True})
    assert campaign.status_code == 201, campaign.json
    coordinator = make_coordinator(client, login, users, db)
    api = api_as(coordinator)
    now = utcnow().replace(microsecond=0)
    training = _schedule(api, campaign.json["id"], now - timedelta(minutes=30), now + timedelta(hours=1))
    upcoming = _schedule(api, campaign.json["id"], now + timedelta(days=1), now + timedelta(days=1, hours=2))
    world = World(campaign=campaign.json, village="6600103", training=training, upcoming=upcoming,
                  coordinator=coordinator, day=day)
    for name in NAMES:
        answer = api.post("/api/v1/participants", json={"full_name": name, "birth_year": 1980, "gender": "female",
                                                        "ethnicity": "Ê Đê", "village": world.village,
                                                        "consent": True})
        assert answer.status_code == 201, (name, answer.json)
        world.people[name] = answer.json
        scan = api.post(f"/api/v1/trainings/{training['id']}/checkins", json={
            "code": answer.json["code"], "scan_id": str(uuid.uuid4()), "scanned_at": now.isoformat()})
        assert scan.status_code == 201, scan.json
        world.checkins[name] = scan.json["id"]
    voided = api.post(f"/api/v1/checkins/{world.checkins[LONG]}/void", json={"reason": pasted(REASON)})
    assert voided.status_code == 200, voided.json
    hold_walk_ins(client, login, users, db, training, now)
    return world


def hold_walk_ins(client, login, users, db, training, now):
    """A revoked volunteer with a hostile name hands over two walk-ins; one is discarded with a hostile reason."""
    _token, enrolment = open_enrolment(users["coordinator"].unit, 3, user=users["coordinator"])
    volunteer = enrol_volunteer(enrolment, {"full_name": VOLUNTEER_NAME})
    revoke_volunteer(volunteer, user=users["coordinator"])
    items = [{"kind": "walk_in", "scan_id": str(uuid.uuid4()), "training_id": training["id"],
              "scanned_at": now.isoformat(), "shown": "pending",
              "details": {"full_name": name, "birth_year": 1990, "gender": "male", "ethnicity": "Ê Đê",
                          "village": "6600103", "consent": True}} for name in (WALK_IN, SCRIPT + " Y Bhim")]
    assert [result["status"] for result in hold_items(items, volunteer=volunteer, reason="revoked")] == ["held"] * 2
    db.session.commit()
    first = db.session.scalars(sa.select(HeldScan).order_by(HeldScan.id)).first()
    login(users["coordinator"])
    assert client.post(f"/held-scans/{first.id}/discard", data={"reason": pasted(REASON)}).status_code == 302
    client.post("/logout")


def _schedule(api, campaign_id, starts_at, ends_at):
    answer = api.post("/api/v1/trainings", json={
        "campaign_id": campaign_id, "village": "6600103", "title": pasted(TITLE), "topic": "VNeID",
        "starts_at": starts_at.isoformat(), "ends_at": ends_at.isoformat(), "place": pasted(PLACE), "trainer": TRAINER,
        "capacity": 50})
    assert answer.status_code == 201, answer.json
    return answer.json


def make_coordinator(client, login, users, db):
    """Create a coordinator of 66001 with a hostile full name through the admin's form."""
    login(users["admin"])
    answer = client.post("/users/new", data={"username": "coord-hostile", "password": "correct-horse-9",
                                             "role": "coordinator", "unit": "66001", "full_name": pasted(USER_NAME)})
    assert answer.status_code == 302, answer.get_data(as_text=True)
    client.post("/logout")
    return db.session.scalar(sa.select(User).where(User.username == "coord-hostile"))


#: What no stored text may hold: the right-to-left override (the others are dropped alike) and the C0 controls.
HIDDEN = ("\u202e", *map(chr, range(0x20)))


def columns_holding(db, characters=HIDDEN):
    """Return the ``table.column`` of every text column with a stored value holding one of ``characters``.

    JSON columns are left out: they hold what was sent as sent (a held scan) or JSON-escaped.
    """
    found = set()
    for table in db.metadata.sorted_tables:
        columns = [column for column in table.columns if isinstance(column.type, sa.String)]
        for row in db.session.execute(sa.select(*columns)) if columns else ():
            found |= {f"{table.name}.{column.name}" for column, value in zip(columns, row, strict=True)
                      if value and any(char in value for char in characters)}
    return sorted(found)


def row_counts(db):
    """Return the number of rows of each table in ``TABLES``."""
    return {table: db.session.scalar(sa.text(f"SELECT count(*) FROM {table}")) for table in TABLES}


class Markup(HTMLParser):
    """The tags and attributes a browser would build from a page."""

    def __init__(self, page):
        super().__init__(convert_charrefs=True)
        self.tags, self.handlers, self.inline_scripts = [], [], []
        self._in_script = False
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.handlers += [(tag, name) for name, _value in attrs if name.startswith("on")]
        self._in_script = tag == "script" and not dict(attrs).get("src")

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.inline_scripts.append(data)

    def handle_endtag(self, tag):
        self._in_script = False


def assert_harmless_html(page, where=""):
    """No hostile text became markup: no raw tag, no event handler, no inline script, no evaluated template."""
    for raw in RAW_MARKUP:
        assert raw not in page, (where, raw)
    markup = Markup(page)
    assert markup.handlers == [], where
    assert [script for script in markup.inline_scripts if "alert" in script] == [], where
    assert "49 {% raw %}" not in page and "49 Buôn" not in page, where
