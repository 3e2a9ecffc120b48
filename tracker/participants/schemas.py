"""Participant input and output."""
import re

import marshmallow as ma
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from tracker.core.args import DropBlanks
from tracker.core.pagination import PageArgsSchema
from tracker.core.text import Line
from tracker.core.time import DEFAULT_TIMEZONE, today
from tracker.geo.models import UnitLevel
from tracker.geo.schemas import UnitField
from tracker.participants.ethnicities import canonical_ethnicity
from tracker.participants.models import Gender
from tracker.participants.names import fold_name

#: The campaign counts adults: people aged 15 or more in the year they register.
MIN_AGE = 15
EARLIEST_BIRTH_YEAR = 1900
#: Separators people type inside phone numbers: "0912 345 678", "(0262) 3.852-123".
_PHONE_NOISE = re.compile(r"[\s.()\-]")
#: Vietnamese numbers in national form: mobiles 0 + 9 digits, landlines 02 + 9 digits.
_PHONE = re.compile(r"^(0[35789]\d{8}|02\d{9})$")


def latest_birth_year(*, now=None):
    """Return the last birth year of someone aged ``MIN_AGE`` this year."""
    return today(DEFAULT_TIMEZONE, now=now).year - MIN_AGE


def normalise_phone(text):
    """Return a phone number as national digits (``+84 912…`` → ``0912…``), or None if invalid."""
    digits = _PHONE_NOISE.sub("", text or "")
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) in (11, 12):
        digits = "0" + digits[2:]
    elif len(digits) == 9 and digits[:1] in "35789":
        digits = "0" + digits  # a spreadsheet dropped the leading zero
    return digits if _PHONE.match(digits) else None


class NameField(Line):
    """A person's name: one clean line (:class:`~tracker.core.text.Line`) of letters, at most 200 characters."""

    #: What the form says when the name is missing, and when it is too long or has no letter.
    missing = _l("Enter the person's name.")
    invalid = _l("Enter a name of at most 200 characters, in letters.")

    def _deserialize(self, value, attr, data, **kwargs):
        name = super()._deserialize(value, attr, data, **kwargs)
        if not name:
            raise ma.ValidationError(str(self.missing))
        if len(name) > 200 or not any(char.isalpha() for char in name):
            raise ma.ValidationError(str(self.invalid))
        return name


class EthnicityField(ma.fields.String):
    """An ethnic group: the official name of a known group, or free text of up to 60 characters."""

    def _deserialize(self, value, attr, data, **kwargs):
        ethnicity = canonical_ethnicity(super()._deserialize(value, attr, data, **kwargs))
        if not 1 <= len(ethnicity) <= 60:
            raise ma.ValidationError(_("Enter the ethnic group (at most 60 characters)."))
        return ethnicity


class PhoneField(ma.fields.String):
    """An optional Vietnamese phone number, loaded as national digits."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs).strip()
        if not text:
            return None
        phone = normalise_phone(text)
        if phone is None:
            raise ma.ValidationError(_("Enter a Vietnamese phone number: 10 digits starting with 0, or +84."))
        return phone


class PersonSchema(ma.Schema):
    """The fields that describe a person, whatever the channel (API, form, file)."""

    full_name = NameField(required=True)
    birth_year = ma.fields.Integer(required=True)
    gender = ma.fields.Enum(Gender, by_value=True, required=True)
    ethnicity = EthnicityField(required=True)
    phone = PhoneField(load_default=None, allow_none=True)
    consent = ma.fields.Boolean(required=True)

    @ma.validates("birth_year")
    def validate_birth_year(self, value, **kwargs):
        """Adults only: born between 1900 and 15 years ago."""
        latest = latest_birth_year()
        if not EARLIEST_BIRTH_YEAR <= value <= latest:
            raise ma.ValidationError(_("Enter a birth year between %(first)d and %(last)d (people aged %(age)d "
                                       "or more).", first=EARLIEST_BIRTH_YEAR, last=latest, age=MIN_AGE))

    @ma.validates("consent")
    def validate_consent(self, value, **kwargs):
        """A person is registered only once they have agreed."""
        if value is not True:
            raise ma.ValidationError(_("The person must agree to their data being kept before they are registered."))


class ParticipantCreateSchema(PersonSchema):
    village = UnitField(required=True, levels=[UnitLevel.village])


class ParticipantFormSchema(DropBlanks, ParticipantCreateSchema):
    """The registration form: an unticked consent box sends nothing."""

    consent = ma.fields.Boolean(load_default=False)


class ParticipantRowSchema(PersonSchema):
    """One row of an imported sheet; villages are looked up for the whole file at once."""

    village = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=20))

    @ma.pre_load
    def read_cells(self, data, **kwargs):
        """Read sheet wording: Nam/Nữ/Khác, có/x/1, empty cells as missing."""
        row = {key: value.strip() if isinstance(value, str) else value for key, value in data.items()
               if value not in (None, "")}
        if isinstance(row.get("gender"), str):
            row["gender"] = GENDER_WORDS.get(fold_name(row["gender"]), row["gender"])
        row["consent"] = CONSENT_WORDS.get(fold_name(str(row.get("consent", ""))), row.get("consent"))
        for key in ("village", "phone"):  # Excel keeps codes and numbers typed as digits as numbers
            if isinstance(row.get(key), int) and not isinstance(row[key], bool):
                row[key] = str(row[key])
        return {key: value for key, value in row.items() if value is not None}


GENDER_WORDS = {"nam": "male", "nu": "female", "khac": "other", "male": "male", "female": "female",
                "other": "other"}
CONSENT_WORDS = {"co": True, "x": True, "1": True, "dong y": True, "yes": True, "y": True, "true": True,
                 "": False, "khong": False, "0": False, "no": False, "n": False, "false": False}


class PossibleDuplicateSchema(ma.Schema):
    """A short description of a participant who may be the same person."""

    id = ma.fields.Integer()
    code = ma.fields.String()
    full_name = ma.fields.String()
    birth_year = ma.fields.Integer()
    village = UnitField()


class ParticipantSchema(PossibleDuplicateSchema):
    village_name = ma.fields.String(attribute="village.name")
    commune = ma.fields.String(attribute="village.parent.code")
    gender = ma.fields.Enum(Gender, by_value=True)
    ethnicity = ma.fields.String()
    phone = ma.fields.String(allow_none=True)
    consent = ma.fields.Boolean()
    consent_at = ma.fields.AwareDateTime(allow_none=True)
    card_printed_at = ma.fields.AwareDateTime(allow_none=True)
    created_at = ma.fields.AwareDateTime()


class ParticipantRegistrationSchema(ma.Schema):
    """A new participant's id, code and card token, the people they may duplicate, and the record."""

    id = ma.fields.Integer()
    code = ma.fields.String()
    qr = ma.fields.String()
    possible_duplicates = ma.fields.List(ma.fields.Nested(PossibleDuplicateSchema))
    participant = ma.fields.Nested(ParticipantSchema)


class ParticipantListArgsSchema(PageArgsSchema):
    q = ma.fields.String(validate=ma.validate.Length(max=100),
                         metadata={"description": "Name (diacritics and case ignored) or card code"})
    village = UnitField(metadata={"description": "Only people living in this unit (a village or above)"})


class ParticipantListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(ParticipantSchema))
    next = ma.fields.String(allow_none=True)


class ParticipantFilterSchema(DropBlanks, ParticipantListArgsSchema):
    """The search box and village filter of the list page; empty means "all".

    ``search`` names a search kept in the session (``participants/views.keep_search``): the page
    never puts the name a coordinator typed in its address, where logs and history would keep it.
    """

    search = ma.fields.String(validate=ma.validate.Length(max=20))


class SkippedParticipantSchema(ma.Schema):
    line = ma.fields.Integer()
    full_name = ma.fields.String()
    birth_year = ma.fields.Integer()
    village = ma.fields.String()
    duplicate_of = ma.fields.Nested(PossibleDuplicateSchema, allow_none=True)
    duplicate_of_line = ma.fields.Integer(allow_none=True)


class ParticipantImportSchema(ma.Schema):
    created = ma.fields.Integer()
    skipped = ma.fields.List(ma.fields.Nested(SkippedParticipantSchema))


class ParticipantsFileSchema(ma.Schema):
    """The upload form of a participants sheet (CSV or XLSX)."""

    file = ma.fields.Raw(required=True, metadata={"type": "file"})
