"""``/api/v1/participants``: QR images of a participant's card and a village's card sheet as PDF.

URLs carry ids and village codes only, never a name; every answer is marked not to be cached.
"""
from flask_login import current_user

from tracker.api.common import protect
from tracker.auth.access import requires
from tracker.cards.printing import CardsArgsSchema, get_village_for_cards, send_private, village_cards_pdf
from tracker.cards.render import render_qr_png, render_qr_svg
from tracker.cards.tokens import make_token
from tracker.core.args import Blueprint
from tracker.participants.queries import get_participant_for

bp = protect(Blueprint("api_cards", __name__, url_prefix="/api/v1/participants", description="QR cards"))

BINARY = {"type": "string", "format": "binary"}


def _token(participant_id):
    """The card token of a participant the caller may print cards for (404 out of scope, then 403 by role)."""
    return make_token(get_participant_for(current_user, participant_id).code)


@bp.get("/<int:participant_id>/qr.png")
@requires("participants.read")
@bp.response(200, BINARY, content_type="image/png", description="The card's QR symbol, error correction M.")
@bp.alt_response(403, description="Your role may not print cards.")
@bp.alt_response(404, description="No such participant in your area.")
def get_qr_png(participant_id):
    """The participant's QR symbol as PNG (10 pixels a module, 4-module quiet zone)."""
    return send_private(render_qr_png(_token(participant_id)), "image/png")


@bp.get("/<int:participant_id>/qr.svg")
@requires("participants.read")
@bp.response(200, BINARY, content_type="image/svg+xml", description="The card's QR symbol, error correction M.")
@bp.alt_response(403, description="Your role may not print cards.")
@bp.alt_response(404, description="No such participant in your area.")
def get_qr_svg(participant_id):
    """The participant's QR symbol as SVG."""
    return send_private(render_qr_svg(_token(participant_id)), "image/svg+xml")


@bp.get("/cards.pdf")
@requires("participants.read")
@bp.arguments(CardsArgsSchema, location="query")
@bp.response(200, BINARY, content_type="application/pdf",
             description="A4 pages of 2 × 5 cards (name, village, commune, code, QR).")
@bp.alt_response(403, description="Your role may not print cards.")
@bp.alt_response(404, description="No such village in your area.")
def get_cards_pdf(args):
    """A village's cards as PDF; ``pending=1`` keeps those never printed."""
    village = get_village_for_cards(current_user, args["village"])
    pdf = village_cards_pdf(village, pending=args["pending"], user=current_user)
    return send_private(pdf, "application/pdf", f"cards-{village.code}.pdf")
