"""Check-in input and output."""
import marshmallow as ma
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from tracker.cards.tokens import make_token
from tracker.checkins.models import CheckInSource, HeldKind, Shown
from tracker.core.args import DropBlanks, Id
from tracker.core.pagination import PageArgsSchema
from tracker.core.text import Line
from tracker.core.time import UTC
from tracker.participants.models import Gender
from tracker.participants.schemas import ParticipantCreateSchema

#: The most scans one sync request may carry.
MAX_SYNC_SCANS = 500

_AWARE_HELP = {"description": "The scanning device's clock, ISO 8601 with a UTC offset"}


class ScanSchema(ma.Schema):
    """One scan of a card (``qr``) or a typed code (``code``) at a training."""

    qr = ma.fields.String(validate=ma.validate.Length(max=200), metadata={"description": "The text in the QR card"})
    code = ma.fields.String(validate=ma.validate.Length(max=40), metadata={"description": "A code typed by hand"})
    scan_id = ma.fields.UUID(required=True, metadata={"description": "The device's id for this scan (idempotency)"})
    scanned_at = ma.fields.AwareDateTime(required=True, metadata=_AWARE_HELP)
    outcomes = ma.fields.List(ma.fields.String(validate=ma.validate.Length(min=1, max=40)),
                              load_default=list, validate=ma.validate.Length(max=50),
                              metadata={"description": "Keys of the campaign's indicators reached"})
    shown = ma.fields.Enum(Shown, by_value=True, load_default=None,
                           metadata={"description": "What the scanner showed at the door"})

    @ma.validates_schema
    def validate_card(self, data, **kwargs):
        """A scan carries exactly one of ``qr`` and ``code``."""
        if ("qr" in data) == ("code" in data):
            raise ma.ValidationError(_("Send either the scanned card (qr) or a typed code (code)."), "qr")


class CodeFormSchema(DropBlanks, ma.Schema):
    """The "check in by code" box of the training page: a code typed at the door, or a card's whole
    token (``PD1.<code>.<signature>``) as a hardware QR scanner types it, followed by Enter."""

    code = ma.fields.String(required=True, validate=ma.validate.Length(max=40),
                            error_messages={"required": _l("Type the code printed under the person's QR.")})

    @ma.post_load
    def route_token(self, data, **kwargs):
        """Send a token (codes never hold a dot) down the scanned-card path, where its signature is checked."""
        text = data["code"].strip()
        if "." not in text:
            return data
        # A keyboard-wedge scanner with Caps Lock on types the token in lower case: tokens are all capitals.
        return {"qr": text.upper()}


class CheckInCreateSchema(ScanSchema):
    source = ma.fields.Enum(CheckInSource, by_value=True, validate=ma.validate.OneOf(
        [CheckInSource.camera, CheckInSource.manual]),
        metadata={"description": "camera (default with qr) or manual (default with code)"})


class SyncScanSchema(ScanSchema):
    """A scan kept on the device while offline."""

    training_id = Id(required=True)


class SyncSchema(ma.Schema):
    """The envelope of a sync; each scan is checked on its own."""

    scans = ma.fields.List(ma.fields.Raw(), required=True,
                           metadata={"description": f"At most {MAX_SYNC_SCANS} scans shaped like SyncScan"})

    @ma.validates("scans")
    def validate_size(self, value, **kwargs):
        """Refuse batches past the limit as a whole, saying what to do."""
        if len(value) > MAX_SYNC_SCANS:
            raise ma.ValidationError(_("At most %(max)d scans per request: send the rest in another.",
                                       max=MAX_SYNC_SCANS))


class WalkInCreateSchema(ParticipantCreateSchema):
    """A new participant registered at the door, and the scan that checks them in."""

    scan_id = ma.fields.UUID(required=True, metadata={"description": "The device's id for this walk-in"})
    scanned_at = ma.fields.AwareDateTime(load_default=None, metadata={
        "description": "The device's clock, ISO 8601 with a UTC offset; default: now"})
    outcomes = ma.fields.List(ma.fields.String(validate=ma.validate.Length(min=1, max=40)),
                              load_default=list, validate=ma.validate.Length(max=50))
    shown = ma.fields.Enum(Shown, by_value=True, load_default=None)


class ParticipantBriefSchema(ma.Schema):
    """Who was checked in: enough for the scanner to greet them."""

    id = ma.fields.Integer()
    code = ma.fields.String()
    full_name = ma.fields.String()
    village = ma.fields.String(attribute="village.code")
    village_name = ma.fields.String(attribute="village.name")


class ScanAnswerSchema(ma.Schema):
    id = ma.fields.Integer(metadata={"description": "The check-in that counts (to void it, say)"})
    result = ma.fields.String(metadata={"description": "checked_in or already_checked_in"})
    participant = ma.fields.Nested(ParticipantBriefSchema)
    checked_in_at = ma.fields.AwareDateTime(metadata={"description": "When the person was first checked in"})
    message = ma.fields.String()


class CheckInSchema(ma.Schema):
    id = ma.fields.Integer()
    training_id = ma.fields.Integer()
    participant = ma.fields.Nested(ParticipantBriefSchema)
    # The scan's time at the door: the same instant as ``scanned_at``, named as in the scan's answer.
    checked_in_at = ma.fields.Function(lambda checkin: checkin.scanned_at.astimezone(UTC).isoformat(), metadata={
        "type": "string", "format": "date-time", "description": "When the person was checked in"})
    scanned_at = ma.fields.AwareDateTime()
    recorded_at = ma.fields.AwareDateTime()
    source = ma.fields.Enum(CheckInSource, by_value=True)
    offline = ma.fields.Boolean(attribute="is_offline")
    shown = ma.fields.Enum(Shown, by_value=True, allow_none=True)
    voided = ma.fields.Boolean(attribute="is_voided")
    voided_at = ma.fields.AwareDateTime(allow_none=True)
    void_reason = ma.fields.String(allow_none=True)


class CheckInListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(CheckInSchema))
    next = ma.fields.String(allow_none=True)


class CheckInListArgsSchema(PageArgsSchema):
    """Pages of a training's check-ins, in the order they were stored."""


class UnitCheckinsArgsSchema(DropBlanks, ma.Schema):
    """Which campaign's check-ins a unit's download holds (default: the reader's current campaign)."""

    campaign_id = Id()


class VoidSchema(ma.Schema):
    reason = Line(required=True, validate=ma.validate.Length(max=500))

    @ma.validates("reason")
    def validate_reason(self, value, **kwargs):
        """A void says why."""
        if not value.strip():
            raise ma.ValidationError(_("Say why the check-in is voided."))


class ErrorItemSchema(ma.Schema):
    code = ma.fields.String()
    message = ma.fields.String()
    fields = ma.fields.Dict()


class DuplicateBriefSchema(ParticipantBriefSchema):
    """Someone who may be the same person as a walk-in."""

    birth_year = ma.fields.Integer()


class WalkInParticipantSchema(DuplicateBriefSchema):
    gender = ma.fields.Enum(Gender, by_value=True)
    ethnicity = ma.fields.String()
    phone = ma.fields.String(allow_none=True)
    consent = ma.fields.Boolean()
    qr = ma.fields.Function(lambda participant: make_token(participant.code),
                            metadata={"description": "The text of the person's QR card"})


class WalkInSchema(ma.Schema):
    participant = ma.fields.Nested(WalkInParticipantSchema)
    checkin = ma.fields.Nested(CheckInSchema)
    possible_duplicates = ma.fields.List(ma.fields.Nested(DuplicateBriefSchema))


class SyncResultSchema(ma.Schema):
    scan_id = ma.fields.String(allow_none=True)
    status = ma.fields.Integer(metadata={"description": "The HTTP status a single scan would have had"})
    id = ma.fields.Integer(metadata={"description": "The check-in that counts; absent when refused"})
    result = ma.fields.String(metadata={"description": "checked_in, already_checked_in or refused"})
    participant = ma.fields.Nested(ParticipantBriefSchema)
    checked_in_at = ma.fields.AwareDateTime()
    error = ma.fields.Nested(ErrorItemSchema)


class SyncAnswerSchema(ma.Schema):
    results = ma.fields.List(ma.fields.Nested(SyncResultSchema))


#: What a held item may carry besides its envelope, as the phone kept it.
HELD_PAYLOAD_FIELDS = ("qr", "code", "shown", "outcomes", "details", "participant_id", "for_scan")


class HeldItemSchema(ma.Schema):
    """One item a revoked volunteer's phone hands over: a scan, a walk-in or outcomes ticked after a scan.

    Only the envelope is checked here; the item is checked under the full rules (the scan's, the
    walk-in's) when a coordinator accepts it, so that nothing the phone kept is refused at the door.
    """

    scan_id = ma.fields.UUID(required=True)
    kind = ma.fields.Enum(HeldKind, by_value=True, load_default=HeldKind.scan)
    training_id = Id(required=True)
    scanned_at = ma.fields.AwareDateTime(required=True, metadata=_AWARE_HELP)
    qr = ma.fields.String(validate=ma.validate.Length(max=200))
    code = ma.fields.String(validate=ma.validate.Length(max=40))
    shown = ma.fields.Enum(Shown, by_value=True)
    outcomes = ma.fields.List(ma.fields.String(validate=ma.validate.Length(min=1, max=40)),
                              validate=ma.validate.Length(max=50))
    details = ma.fields.Dict(keys=ma.fields.String(validate=ma.validate.Length(max=40)),
                             values=ma.fields.Raw(), validate=ma.validate.Length(max=20),
                             metadata={"description": "A walk-in's fields, as the walk-in API takes them"})
    participant_id = Id()
    for_scan = ma.fields.UUID()

    @ma.validates("details")
    def validate_details(self, value, **kwargs):
        """A walk-in's fields are short plain values."""
        if any(not isinstance(item, str | int | bool | None) or len(str(item)) > 200 for item in value.values()):
            raise ma.ValidationError(_("Not a valid walk-in."))

    @ma.post_load
    def split_payload(self, data, **kwargs):
        """Keep the envelope as columns, the rest as the held row's JSON payload."""
        payload = {name: data.pop(name) for name in HELD_PAYLOAD_FIELDS if name in data}
        for name in ("shown", "for_scan"):
            if name in payload:
                payload[name] = str(payload[name].value if name == "shown" else payload[name])
        return {**data, "payload": payload}


class HeldHandoverSchema(ma.Schema):
    """The waiting items of a phone whose volunteer lost access; each is checked on its own."""

    items = ma.fields.List(ma.fields.Raw(), required=True, validate=ma.validate.Length(max=MAX_SYNC_SCANS))


class HeldDiscardSchema(DropBlanks, ma.Schema):
    reason = Line(load_default="", validate=ma.validate.Length(max=500))
