"""HTML pages for printing QR cards: one person's card, and the A4 sheet of a village or of the people
checked in at a training (also as PDF)."""
from itertools import groupby

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import ngettext
from flask_login import current_user, login_required

from tracker.auth.access import can, ensure_can, requires
from tracker.cards.printing import (
    CardsPrintedSchema,
    SheetArgsSchema,
    SheetPdfArgsSchema,
    TrainingCardsPrintedSchema,
    card_title,
    cards_to_print,
    get_training_for_cards,
    get_village_for_cards,
    mark_cards_printed,
    mark_training_cards_printed,
    send_private,
    training_cards_pdf,
    village_cards_pdf,
)
from tracker.cards.render import Card, build_cards_pdf, qr_svg_markup
from tracker.checkins.queries import people_checked_in
from tracker.core.args import load
from tracker.extensions import db
from tracker.geo.queries import list_villages
from tracker.participants.queries import get_participant_for

bp = Blueprint("cards", __name__)


def _participant(participant_id):
    """The participant, for a user whose role may print cards (403 first, then 404 out of scope)."""
    ensure_can(current_user, "participants.read")
    return get_participant_for(current_user, participant_id)


@bp.get("/participants/<int:participant_id>/card")
@requires("participants.read")
@login_required
def participant_card(participant_id):
    """One person's card, ready to print."""
    participant = _participant(participant_id)
    return render_template("cards/card.html", participant=participant, card=Card.of(participant),
                           title=card_title(current_user), qr_svg=qr_svg_markup)


@bp.get("/participants/<int:participant_id>/card.pdf")
@requires("participants.read")
@login_required
def participant_card_pdf(participant_id):
    """One person's card as PDF."""
    participant = _participant(participant_id)
    pdf = build_cards_pdf([Card.of(participant)], campaign=card_title(current_user), title=participant.code)
    return send_private(pdf, "application/pdf", f"card-{participant.code}.pdf")


@bp.get("/participants/cards")
@requires("participants.read")
@login_required
def card_sheet():
    """A village's cards on A4 sheets (only the cards never printed, with ``pending``)."""
    ensure_can(current_user, "participants.read")
    args = load(SheetArgsSchema(), "query")
    if "training" in args:
        return _training_sheet(args["training"], pending=args["pending"])
    if "village" not in args:
        return render_template("cards/cards.html", village=None, pending=args["pending"],
                               village_options=_village_options())
    village = get_village_for_cards(current_user, args["village"])
    cards = [(person, Card.of(person)) for person in cards_to_print(village, pending=args["pending"])]
    return render_template(
        "cards/cards.html", village=village, pending=args["pending"], cards=cards,
        title=card_title(current_user), qr_svg=qr_svg_markup,
        may_mark=can(current_user, "participants.register"),
    )


def _training_sheet(training_id, *, pending):
    """The cards of the people checked in at a training (in the user's area), never printed with ``pending``."""
    training = get_training_for_cards(current_user, training_id)
    people = people_checked_in(training, current_user, pending=pending)
    return render_template(
        "trainings/cards.html", training=training, pending=pending, cards=[(p, Card.of(p)) for p in people],
        title=card_title(current_user), qr_svg=qr_svg_markup, may_mark=can(current_user, "participants.register"),
    )


def _village_options():
    """The villages of the user's area, grouped by commune, for the village choice."""
    by_commune = groupby(list_villages(current_user.unit), key=lambda village: village.parent)
    return [(commune.name, [(village.code, village.name) for village in villages]) for commune, villages in by_commune]


@bp.get("/participants/cards.pdf")
@requires("participants.read")
@login_required
def card_sheet_pdf():
    """A village's (or a training's) card sheet as PDF, for printing without the browser's margins."""
    ensure_can(current_user, "participants.read")
    args = load(SheetPdfArgsSchema(), "query")
    if "training" in args:
        training = get_training_for_cards(current_user, args["training"])
        pdf = training_cards_pdf(training, pending=args["pending"], user=current_user)
        return send_private(pdf, "application/pdf", f"cards-training-{training.id}.pdf")
    village = get_village_for_cards(current_user, args["village"])
    pdf = village_cards_pdf(village, pending=args["pending"], user=current_user)
    return send_private(pdf, "application/pdf", f"cards-{village.code}.pdf")


@bp.post("/participants/cards/printed")
@requires("participants.register")
@login_required
def mark_printed():
    """Record that the cards shown on a village's sheet were printed."""
    ensure_can(current_user, "participants.register")
    data = load(CardsPrintedSchema())
    village = get_village_for_cards(current_user, data["village"])
    count = mark_cards_printed(village, data["participant"], user=current_user)
    db.session.commit()
    flash(ngettext("%(num)d card was marked as printed.", "%(num)d cards were marked as printed.", count),
          "success")
    args = {"pending": 1} if data["pending"] else {}
    return redirect(url_for("cards.card_sheet", village=village.code, **args))


@bp.post("/trainings/<int:training_id>/cards/printed")
@requires("participants.register")
@login_required
def mark_training_printed(training_id):
    """Record that the cards shown on a training's sheet were printed."""
    ensure_can(current_user, "participants.register")
    training = get_training_for_cards(current_user, training_id)
    data = load(TrainingCardsPrintedSchema())
    count = mark_training_cards_printed(training, data["participant"], user=current_user)
    db.session.commit()
    flash(ngettext("%(num)d card was marked as printed.", "%(num)d cards were marked as printed.", count),
          "success")
    args = {"pending": 1} if data["pending"] else {}
    return redirect(url_for("cards.card_sheet", training=training_id, **args))
