"""Input of the digest e-mail pages: recipients, subscriptions and the e-mail log's filter."""
import marshmallow as ma
from flask import current_app
from flask_babel import gettext as _

from tracker.core.args import DropBlanks
from tracker.core.text import Line
from tracker.digests.models import EmailStatus
from tracker.geo.schemas import CODE_PATTERN, UnitField


def _validate_language(value):
    if value not in current_app.config["TRACKER_LANGUAGES"]:
        raise ma.ValidationError(_("Unknown language."))


class RecipientCreateSchema(DropBlanks, ma.Schema):
    email = ma.fields.Email(required=True, validate=ma.validate.Length(max=254))
    name = Line(load_default=None, validate=ma.validate.Length(max=200))
    language = ma.fields.String(load_default="vi", validate=_validate_language)

    @ma.pre_load
    def strip(self, data, **kwargs):
        """Trim the address: pasted text often carries spaces and breaks (``Line`` cleans the name)."""
        data = dict(data)
        if isinstance(data.get("email"), str):
            data["email"] = data["email"].strip()
        return data


class RecipientUnitArgsSchema(DropBlanks, ma.Schema):
    unit = ma.fields.String(load_default=None, validate=ma.validate.Regexp(CODE_PATTERN))


class RecipientActiveFormSchema(ma.Schema):
    is_active = ma.fields.Boolean(required=True)


class SubscriptionFormSchema(DropBlanks, ma.Schema):
    #: true subscribes, false unsubscribes.
    subscribe = ma.fields.Boolean(required=True)
    language = ma.fields.String(load_default="vi", validate=_validate_language)
    #: The user's own unit when left out (another unit is refused).
    unit = UnitField(load_default=None)
    next = ma.fields.String(load_default="")


class EmailListArgsSchema(DropBlanks, ma.Schema):
    status = ma.fields.Enum(EmailStatus, by_value=True, load_default=None)
