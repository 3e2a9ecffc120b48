"""Printing cards: which cards a village's (or a training's) sheet holds, the PDF of it, and recording the print.

The HTML pages and the API share these; :mod:`tracker.cards.render` does the drawing.
"""
import marshmallow as ma
import sqlalchemy as sa
from flask import make_response
from flask_babel import gettext as _

from tracker.auth.access import ensure_can, scope_filter
from tracker.campaigns.queries import current_campaign_for
from tracker.cards.render import Card, build_cards_pdf
from tracker.checkins.queries import checked_in_ids, find_training, people_checked_in
from tracker.core.args import DropBlanks, Id
from tracker.core.errors import InvalidInput, NotFound
from tracker.core.time import utcnow
from tracker.events.operations import record
from tracker.extensions import db
from tracker.geo.models import Unit, UnitLevel
from tracker.geo.queries import get_unit
from tracker.participants.models import Participant

#: The name printed on cards when the user's area has no campaign yet.
DEFAULT_TITLE = "100 ngày cao điểm"
#: Most cards one "mark as printed" post may name (a large village's sheet).
MAX_MARKED = 10_000
CHUNK = 500


class CardSheetArgsSchema(DropBlanks, ma.Schema):
    """``?village=CODE&pending=1`` of the HTML sheet (no village: choose one)."""

    village = ma.fields.String(validate=ma.validate.Length(max=20))
    pending = ma.fields.Boolean(load_default=False)


class CardsArgsSchema(CardSheetArgsSchema):
    """``?village=CODE&pending=1`` of the PDF: the village is required."""

    village = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=20))


class CardsPrintedSchema(CardsArgsSchema):
    """The "mark as printed" form: the village and the participants its sheet showed."""

    participant = ma.fields.List(Id(), required=True, validate=ma.validate.Length(min=1, max=MAX_MARKED))


class SheetArgsSchema(CardSheetArgsSchema):
    """``?village=CODE`` or ``?training=ID`` (the people checked in there) of the HTML sheet."""

    training = Id()


class SheetPdfArgsSchema(SheetArgsSchema):
    """The sheet's PDF: of one village or one training."""

    @ma.validates_schema
    def validate_choice(self, data, **kwargs):
        """Either a village or a training is named."""
        if "village" not in data and "training" not in data:
            raise ma.ValidationError(_("Choose a village / hamlet."), "village")


class TrainingCardsPrintedSchema(DropBlanks, ma.Schema):
    """The "mark as printed" form of a training's sheet: the participants it showed."""

    participant = ma.fields.List(Id(), required=True, validate=ma.validate.Length(min=1, max=MAX_MARKED))
    pending = ma.fields.Boolean(load_default=False)


def get_village_for_cards(user, code):
    """Return the village whose cards ``user`` may print: 404 unknown or out of scope, 403 by role."""
    village = get_unit(code)
    if village is None:
        raise NotFound(_("Village not found."))
    ensure_can(user, "participants.read", village)
    if village.level != UnitLevel.village:
        message = _("Choose a village / hamlet.")
        raise InvalidInput(message, fields={"village": [message]})
    return village


def cards_to_print(village, *, pending=False):
    """Return the participants of ``village`` by name; with ``pending``, those never printed."""
    stmt = sa.select(Participant).where(Participant.village_id == village.id)
    if pending:
        stmt = stmt.where(Participant.card_printed_at.is_(None))
    return db.session.scalars(stmt.order_by(Participant.search_name, Participant.id)).all()


def get_training_for_cards(user, training_id):
    """Return the training whose people's cards ``user`` may print: 404 unknown or out of scope, 403 by role."""
    training = find_training(training_id)
    if training is None:
        raise NotFound(_("Training not found."))
    ensure_can(user, "participants.read", training.village)
    return training


def card_title(user):
    """Return the campaign name printed on the cards of ``user``'s area."""
    campaign = current_campaign_for(user)
    return campaign.name if campaign is not None else DEFAULT_TITLE


def village_cards_pdf(village, *, pending, user):
    """Return the PDF sheet of ``village``'s cards."""
    cards = [Card.of(person) for person in cards_to_print(village, pending=pending)]
    title = _("Cards of %(village)s", village=village.name)
    return build_cards_pdf(cards, campaign=card_title(user), title=title)


def training_cards_pdf(training, *, pending, user):
    """Return the PDF sheet of the cards of the people checked in at ``training`` (in ``user``'s scope)."""
    cards = [Card.of(person) for person in people_checked_in(training, user, pending=pending)]
    title = _("Cards of the people at %(training)s", training=training.title)
    return build_cards_pdf(cards, campaign=card_title(user), title=title)


def send_private(data, mimetype, filename=None):
    """Return a response with ``data`` that no cache keeps (cards carry personal data)."""
    response = make_response(data)
    response.mimetype = mimetype
    response.headers["Cache-Control"] = "private, no-store"
    if filename:
        response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def mark_cards_printed(village, participant_ids, *, user, now=None):
    """Record that the cards of ``participant_ids`` living in ``village`` were printed; return how many.

    Ids of people elsewhere are left alone (they were not on this village's sheet).
    """
    ensure_can(user, "participants.register", village)
    count = _stamp_printed(participant_ids, Participant.village_id == village.id, now=now)
    if count:
        record("cards.printed", village, {"village": village.code, "count": count}, user=user,
               unit=village, campaign=current_campaign_for(user))
    return count


def mark_training_cards_printed(training, participant_ids, *, user, now=None):
    """Record that the cards of ``participant_ids`` checked in at ``training`` were printed; return how many.

    Ids of people not checked in there, or living outside ``user``'s scope, are left alone.
    """
    ensure_can(user, "participants.register", training.village)
    in_scope = sa.select(Unit.id).where(scope_filter(user, Unit))
    count = _stamp_printed(participant_ids, Participant.id.in_(checked_in_ids(training)),
                           Participant.village_id.in_(in_scope), now=now)
    if count:
        record("cards.printed", training, {"training_id": training.id, "count": count}, user=user,
               unit=training.village, campaign=training.campaign)
    return count


def _stamp_printed(participant_ids, *conditions, now=None):
    """Set ``card_printed_at`` on the participants of ``participant_ids`` meeting ``conditions``; return how many."""
    printed_at, ids, count = now or utcnow(), sorted(set(participant_ids)), 0
    for start in range(0, len(ids), CHUNK):
        result = db.session.execute(
            sa.update(Participant)
            .where(*conditions, Participant.id.in_(ids[start : start + CHUNK]))
            .values(card_printed_at=printed_at)
            .execution_options(synchronize_session="fetch")
        )
        count += result.rowcount
    return count
