"""``/api/v1/campaigns/{id}/digests``: stored digests, their CSV and XLSX, compile on demand."""
from flask_login import current_user

from tracker.api.common import protect
from tracker.auth.access import requires
from tracker.campaigns.queries import get_campaign_for
from tracker.core.args import Blueprint
from tracker.digests import operations
from tracker.digests.dashboard import dashboard_unit
from tracker.digests.exports import CSV_TYPE, XLSX_TYPE, csv_response, xlsx_response
from tracker.digests.progress import progress_now
from tracker.digests.queries import default_digest_unit, get_digest_for
from tracker.digests.schemas import (
    DigestArgsSchema,
    DigestPathSchema,
    DigestSchema,
    ProgressNowArgsSchema,
    ProgressSchema,
)
from tracker.extensions import db

bp = protect(Blueprint("api_digests", __name__, url_prefix="/api/v1/campaigns", description="Digests"))

BINARY = {"type": "string", "format": "binary"}
_NOT_FOUND = "No such campaign or unit in your area, or no digest compiled for that day."
_FORBIDDEN = "Your role may not read (or compile) digests."


def _stored_digest(args, path, campaign_id):
    """The stored digest the request names, read with the caller's scope (404 out of scope or none)."""
    campaign = get_campaign_for(current_user, campaign_id)
    unit = args.get("unit") or default_digest_unit(current_user, campaign)
    return get_digest_for(current_user, campaign, unit, path["day"])


@bp.get("/<int:campaign_id>/digests/<date>")
@requires("digests.read")
@bp.arguments(DigestArgsSchema, location="query")
@bp.arguments(DigestPathSchema, location="path")
@bp.response(200, DigestSchema)
@bp.alt_response(403, description=_FORBIDDEN)
@bp.alt_response(404, description=_NOT_FOUND)
def get_digest(args, path, campaign_id, date):
    """The stored digest of a unit (province or commune) for a day: SPEC §6 figures and ``compiled_at``."""
    return _stored_digest(args, path, campaign_id)


@bp.get("/<int:campaign_id>/digests/<date>.csv")
@requires("digests.read")
@bp.arguments(DigestArgsSchema, location="query")
@bp.arguments(DigestPathSchema, location="path")
@bp.response(200, {"type": "string"}, content_type=CSV_TYPE,
             description="UTF-8 with BOM: figures, ranking, breakdown, indicators, villages not reached, by day.")
@bp.alt_response(403, description=_FORBIDDEN)
@bp.alt_response(404, description=_NOT_FOUND)
def get_digest_csv(args, path, campaign_id, date):
    """The stored digest as CSV for Excel; text that could start a formula is quoted."""
    return csv_response(_stored_digest(args, path, campaign_id))


@bp.get("/<int:campaign_id>/digests/<date>.xlsx")
@requires("digests.read")
@bp.arguments(DigestArgsSchema, location="query")
@bp.arguments(DigestPathSchema, location="path")
@bp.response(200, BINARY, content_type=XLSX_TYPE,
             description="One sheet per section (figures, ranking …), numbers and dates as such.")
@bp.alt_response(403, description=_FORBIDDEN)
@bp.alt_response(404, description=_NOT_FOUND)
def get_digest_xlsx(args, path, campaign_id, date):
    """The stored digest as an XLSX workbook."""
    return xlsx_response(_stored_digest(args, path, campaign_id))


@bp.post("/<int:campaign_id>/digests/<date>/compile")
@requires("digests.compile")
@bp.arguments(DigestArgsSchema, location="query")
@bp.arguments(DigestPathSchema, location="path")
@bp.response(200, DigestSchema)
@bp.alt_response(403, description="Your role may not compile digests.")
@bp.alt_response(404, description="No such campaign or unit in your area.")
def compile_digest(args, path, campaign_id, date):
    """Compile a unit's digest for a day now (from the start to today), store it and return it."""
    campaign = get_campaign_for(current_user, campaign_id)
    unit = args.get("unit") or default_digest_unit(current_user, campaign)
    digest = operations.compile_digest(campaign, unit, path["day"], user=current_user)
    db.session.commit()
    return digest


@bp.get("/<int:campaign_id>/progress")
@requires("progress.read")
@bp.arguments(ProgressNowArgsSchema, location="query")
@bp.response(200, ProgressSchema)
@bp.alt_response(403, description="Your role may not read progress.")
@bp.alt_response(404, description="No such campaign or unit in your area.")
def get_progress(args, campaign_id):
    """The digest's figures of a unit (province, commune or village) as of now: what the dashboard shows.

    Computed again at most every minute; ``as_of`` says for which instant.
    """
    campaign = get_campaign_for(current_user, campaign_id)
    unit = dashboard_unit(current_user, campaign, args.get("unit"))
    snapshot = progress_now(campaign, unit)
    db.session.commit()
    return snapshot
