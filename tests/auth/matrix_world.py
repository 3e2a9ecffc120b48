"""The world of the URL-map matrix (test_url_map_matrix.py): three places, and a fresh object of each
kind a URL can name, made on demand in one of them.

* ``home``: commune 66001 (village 6600101) of province 66, campaign 66 — in every tested user's scope;
* ``sibling``: commune 66002 of the same province and campaign — outside a commune user's scope;
* ``abroad``: commune 67001 of province 67, campaign 67 — outside everyone's (the province users' "out").

Every object a URL names is made fresh for the request (``World.arguments``), so that one request's
change (a cancelled training, a removed recipient) never decides another's answer. Objects are made
by an admin of the place's own commune, through the operations where they exist.
"""
import uuid
from dataclasses import dataclass
from datetime import timedelta
from itertools import count

from tracker.auth.enrolments import operations as enrolments
from tracker.auth.models import Role, User
from tracker.auth.operations import reset_password
from tracker.campaigns.models import Campaign
from tracker.campaigns.schemas import DEFAULT_TOPICS
from tracker.cards.tokens import make_token, new_code
from tracker.checkins.models import CheckIn, CheckInSource, HeldKind, HeldScan
from tracker.core.time import today, utcnow
from tracker.digests.models import DigestEmail, DigestRecipient, EmailStatus
from tracker.digests.operations import compile_digest
from tracker.digests.queries import get_digest
from tracker.events.models import Event
from tracker.events.webhooks import operations as webhooks
from tracker.extensions import db
from tracker.geo.models import UnitLevel
from tracker.outcomes.models import Indicator
from tracker.participants.models import Gender, Participant
from tracker.participants.names import clean_name, fold_name
from tracker.trainings.models import Training, TrainingStatus

#: The key of the one indicator of each campaign.
INDICATOR = "vneid_level2"
#: The session key where a coordinator's browser keeps the tokens of the links it opened (enrolment_views).
ENROLMENT_TOKENS = "enrolment_tokens"


@dataclass
class Place:
    """A commune, one of its villages, the campaign over it and an admin of the commune who makes things.

    What is made outside home carries ``mark`` in its name, title or address, so that a page or list
    showing it to someone of another area is seen (``World.marks_outside``).
    """

    name: str
    mark: str
    commune: object
    village: object
    campaign: object
    maker: object
    digest_day: object


class World:
    """The places, and factories of fresh objects in them."""

    def __init__(self, tree, create_unit, create_user):
        self.numbers = count(1)
        province67 = create_unit("67", "Tỉnh Khánh Hoà", "province")
        commune67 = create_unit("67001", "Xã Cam Lâm", "commune", province67, population=2000)
        village67 = create_unit("6700101", "Thôn Tân Xương", "village", commune67, population=2000)
        day = today("Asia/Ho_Chi_Minh")
        campaigns = {code: self._campaign(unit, day) for code, unit in (("66", tree["province"]), ("67", province67))}
        self.places = {
            "home": Place("home", "", tree["commune"], tree["village"], campaigns["66"],
                          create_user("admin", tree["commune"], "maker-66001"), day),
            "sibling": Place("sibling", "zzsibling", tree["other_commune"], tree["other_village"], campaigns["66"],
                             create_user("admin", tree["other_commune"], "maker-66002"), day),
            "abroad": Place("abroad", "zzabroad", commune67, village67, campaigns["67"],
                            create_user("admin", commune67, "maker-67001"), day),
        }
        for unit, campaign in ((tree["province"], campaigns["66"]), (tree["commune"], campaigns["66"]),
                               (tree["other_commune"], campaigns["66"]), (province67, campaigns["67"]),
                               (commune67, campaigns["67"])):
            compile_digest(campaign, unit, day)
        self.reset_code = self._reset_code()
        self.enrol_token = self._enrolment(self.places["home"])[0]
        for place in (self.places["sibling"], self.places["abroad"]):
            self._furnish(place)
        db.session.commit()

    def _furnish(self, place):
        """Give a place one of everything, for lists and pages that must not show it elsewhere."""
        self.checkin(place, place.maker)
        self.email(place)
        self.delivery(self.subscription(place))
        self.held(place)
        self.volunteer(place)

    def marks_outside(self, user):
        """The marks of the places outside ``user``'s scope."""
        return [place.mark for place in self.places.values()
                if place.mark and not place.commune.is_within(user.unit)]

    def _campaign(self, province, day):
        campaign = Campaign(name=f"100 ngày cao điểm {province.code}", unit=province, start_date=day - timedelta(days=20),
                            deadline=day + timedelta(days=20), topics=list(DEFAULT_TOPICS), is_public=True)
        db.session.add(campaign)
        db.session.flush()
        db.session.add(Indicator(campaign=campaign, key=INDICATOR, name="VNeID mức 2"))
        db.session.flush()
        return campaign

    def foreign(self, user):
        """The place outside ``user``'s scope: abroad for province users, the sibling commune for the others."""
        return self.places["abroad" if user.unit.level == UnitLevel.province else "sibling"]

    # Fresh objects -----------------------------------------------------------------------------

    def _n(self):
        return next(self.numbers)

    def training(self, place):
        """A training going on now in the place's village."""
        now = utcnow()
        training = Training(campaign=place.campaign, village=place.village, title=f"Buổi {place.mark} {self._n()}",
                            topic="VNeID", starts_at=now - timedelta(minutes=30), ends_at=now + timedelta(hours=1),
                            status=TrainingStatus.planned)
        db.session.add(training)
        db.session.flush()
        return training

    def participant(self, place):
        name = f"Nguyễn Thị Hoa {place.mark} {self._n()}"
        participant = Participant(code=new_code(), full_name=clean_name(name), search_name=fold_name(name),
                                  birth_year=1980, gender=Gender.female, ethnicity="Ê Đê", village=place.village,
                                  consent=True)
        db.session.add(participant)
        db.session.flush()
        return participant

    def checkin(self, place, scanner):
        """A check-in made a minute ago by ``scanner`` (a volunteer may undo their own)."""
        checkin = CheckIn(training=self.training(place), participant=self.participant(place), scan_id=uuid.uuid4(),
                          scanned_at=utcnow() - timedelta(minutes=1), source=CheckInSource.camera,
                          volunteer_id=scanner.id)
        db.session.add(checkin)
        db.session.flush()
        return checkin

    def account(self, place, **values):
        """A volunteer's account in the place's commune (admins and coordinators manage it)."""
        account = User(username=f"account-{place.mark}-{self._n()}", role=Role.volunteer, unit=place.commune, **values)
        account.password_hash = place.maker.password_hash
        db.session.add(account)
        db.session.flush()
        return account

    def held(self, place):
        """A scan handed over by the phone of a volunteer whose access was revoked, waiting for review."""
        volunteer = self.account(place, is_active=False)
        participant = self.participant(place)
        held = HeldScan(scan_id=uuid.uuid4(), kind=HeldKind.scan, training=self.training(place),
                        volunteer_id=volunteer.id, scanned_at=utcnow() - timedelta(minutes=5),
                        payload={"qr": make_token(participant.code)}, reason="revoked")
        db.session.add(held)
        db.session.flush()
        return held

    def _enrolment(self, place):
        return enrolments.open_enrolment(place.commune, 3, user=place.maker)

    def enrolment(self, place, client=None):
        """An open enrolment link of the commune; ``client``'s browser keeps its token (it opened it)."""
        token, enrolment = self._enrolment(place)
        if client is not None:
            with client.session_transaction() as session:
                session[ENROLMENT_TOKENS] = {str(enrolment.id): token}
        return enrolment

    def volunteer(self, place):
        """A volunteer who enrolled through a link of the commune."""
        return enrolments.enrol_volunteer(self.enrolment(place), {"full_name": f"Tình nguyện {place.mark} {self._n()}"})

    def recipient(self, place):
        recipient = DigestRecipient(unit=place.commune, email=f"r{place.mark}{self._n()}@example.org", language="vi")
        db.session.add(recipient)
        db.session.flush()
        return recipient

    def email(self, place):
        """A failed digest e-mail of the commune's digest."""
        recipient = self.recipient(place)
        digest = get_digest(place.campaign, place.commune, place.digest_day)
        email = DigestEmail(digest=digest, recipient=recipient, email=recipient.email, status=EmailStatus.failed,
                            attempts=5, next_attempt_at=None, last_error="550 mailbox unavailable")
        db.session.add(email)
        db.session.flush()
        return email

    def subscription(self, place):
        return webhooks.subscribe({"url": f"https://hooks.example.org/{place.mark}", "events": ["checkin.recorded"]},
                                  user=place.maker)

    def delivery(self, subscription):
        event = db.session.query(Event).order_by(Event.id.desc()).first()
        return webhooks.queue_delivery(subscription, event)

    def _reset_code(self):
        code, _reset = reset_password(self.account(self.places["home"]), user=self.places["home"].maker)
        return code

    def query(self, kind, place, user):
        """A query string's value naming an object of ``kind`` in ``place`` (campaigns: as ``arguments``)."""
        if kind == "campaign":
            return (place if place.name == "home" else self.places["abroad"]).campaign.id
        if kind == "training":
            return self.training(place).id
        return getattr(place, kind).code

    # URL arguments -----------------------------------------------------------------------------

    def arguments(self, rule, place, user, client):
        """Fill ``rule``'s arguments with fresh objects of ``place`` (for ``user``, in ``client``'s browser)."""
        names, values = set(rule.arguments), {}
        if "campaign_id" in names:  # the sibling commune's campaign covers the commune users too: abroad's does not
            values["campaign_id"] = (place if place.name == "home" else self.places["abroad"]).campaign.id
        if names & {"day", "date"}:
            values[(names & {"day", "date"}).pop()] = place.digest_day.isoformat()
        if "key" in names:
            values["key"] = INDICATOR
        if "training_id" in names:
            values["training_id"] = self.training(place).id
        if "participant_id" in names:
            values["participant_id"] = self.participant(place).id
        if "checkin_id" in names:
            values["checkin_id"] = self.checkin(place, user).id
        if "recipient_id" in names:
            recipient = self.recipient(place)
            values |= {"recipient_id": recipient.id, "code": place.commune.code}
        elif "code" in names:
            values["code"] = place.commune.code
        if "email_id" in names:
            values["email_id"] = self.email(place).id
        if "subscription_id" in names:
            subscription = self.subscription(place)
            values["subscription_id"] = subscription.id
            if "delivery_id" in names:
                values["delivery_id"] = self.delivery(subscription).id
        if "account_id" in names:
            values["account_id"] = self.account(place).id
        if "held_id" in names:
            values["held_id"] = self.held(place).id
        if "enrolment_id" in names:
            values["enrolment_id"] = self.enrolment(place, client).id
        if "volunteer_id" in names:
            values["volunteer_id"] = self.volunteer(place).id
        for name, converter in rule._converters.items():
            if getattr(converter, "items", None):  # any(csv, xlsx): the first is enough, one view answers all
                values[name] = sorted(converter.items)[0]
        db.session.commit()
        missing = names - set(values)
        assert not missing, f"{rule.rule}: the matrix cannot fill {sorted(missing)}; teach World.arguments"
        return values
