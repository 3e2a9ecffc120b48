"""Input of the enrolment pages: the coordinator's new link, and the volunteer's name."""
import marshmallow as ma
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from tracker.geo.models import UnitLevel
from tracker.geo.schemas import UnitField
from tracker.participants.schemas import NameField, PhoneField

#: How long the scanner of an enrolled volunteer works, in days.
DEFAULT_ACCESS_DAYS, MAX_ACCESS_DAYS = 7, 30


class EnrolmentCreateSchema(ma.Schema):
    """A new link: the commune (default: the coordinator's own) and the days each volunteer may scan."""

    unit = UnitField(levels=(UnitLevel.commune,), load_default=None)
    access_days = ma.fields.Integer(load_default=DEFAULT_ACCESS_DAYS, strict=False)

    @ma.pre_load
    def drop_blanks(self, data, **kwargs):
        """Read blank fields as not given, so that the defaults apply."""
        return {key: value for key, value in data.items() if value not in ("", None)}

    @ma.validates("access_days")
    def check_days(self, value, **kwargs):
        """Allow from one day to a month."""
        if not 1 <= value <= MAX_ACCESS_DAYS:
            raise ma.ValidationError(_("Choose from 1 to %(max)d days.", max=MAX_ACCESS_DAYS))


class VolunteerNameField(NameField):
    """The volunteer's own name, typed by themselves: the same rules, said to them."""

    missing = _l("Type your name.")
    invalid = _l("Type a name of at most 200 characters, in letters.")


class EnrolSchema(ma.Schema):
    """What a volunteer types on the enrolment page."""

    full_name = VolunteerNameField(required=True)
    phone = PhoneField(load_default=None, allow_none=True)
    accept = ma.fields.Boolean(required=True)

    @ma.pre_load
    def fill_missing(self, data, **kwargs):
        """Read an absent name or an unticked box as empty, so each gets its own message."""
        return {"full_name": "", "accept": "false"} | {key: data[key] for key in data if data[key] != ""}

    @ma.validates("accept")
    def must_accept(self, value, **kwargs):
        """Refuse the form until the volunteer accepts the rules."""
        if not value:
            raise ma.ValidationError(_("Tick the box to accept."))
