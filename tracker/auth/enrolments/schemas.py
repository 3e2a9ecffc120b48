"""Input of the enrolment pages: the coordinator's new link, and the volunteer's name."""
import marshmallow as ma
from flask_babel import gettext as _

from tracker.geo.models import UnitLevel
from tracker.geo.schemas import UnitField
from tracker.participants.names import clean_name
from tracker.participants.schemas import PhoneField

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


class VolunteerNameField(ma.fields.String):
    """The volunteer's own name, NFC-normalised with single spaces."""

    def _deserialize(self, value, attr, data, **kwargs):
        name = clean_name(super()._deserialize(value, attr, data, **kwargs))
        if not name:
            raise ma.ValidationError(_("Type your name."))
        if len(name) > 200 or not any(char.isalpha() for char in name):
            raise ma.ValidationError(_("Type a name of at most 200 characters, in letters."))
        return name


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
