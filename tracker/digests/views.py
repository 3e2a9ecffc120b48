"""HTML pages of the digest: the day's page, its PDF and chat text, and the history."""
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from tracker.auth.access import can, ensure_can, requires
from tracker.campaigns.queries import current_campaign_for, get_campaign_for
from tracker.core.args import load
from tracker.core.errors import AppError, NotFound
from tracker.digests.chart import burnup_svg, chart_title
from tracker.digests.exports import csv_response, download_name, download_response, xlsx_response
from tracker.digests.mail_message import digest_link
from tracker.digests.operations import compile_digest, last_day
from tracker.digests.pages import (
    HistoryArgsSchema,
    PageArgsSchema,
    digest_history,
    digest_unit_for,
    neighbours,
    parse_day,
    unit_choices,
    with_instants,
)
from tracker.digests.pdf import build_digest_pdf
from tracker.digests.queries import default_digest_unit, get_digest, get_digest_for
from tracker.digests.text import digest_text
from tracker.digests.wording import FORMATS, breakdown_groups, projection_text, said
from tracker.extensions import db

bp = Blueprint("digests", __name__)

def _reading(campaign_id, day=None):
    """The campaign, the unit asked for (``?unit=``) and the day, once the user may read its digests."""
    campaign = get_campaign_for(current_user, campaign_id)
    unit = digest_unit_for(current_user, campaign, load(PageArgsSchema(), "query").get("unit"))
    return campaign, unit, parse_day(day) if day is not None else None


def _stored(campaign_id, day):
    campaign, unit, day = _reading(campaign_id, day)
    return get_digest_for(current_user, campaign, unit, day)


@bp.get("/digests")
@requires("digests.read")
@login_required
def latest():
    """The menu's entry: the newest digest of the user's unit in their current campaign."""
    ensure_can(current_user, "digests.read")
    campaign = current_campaign_for(current_user)
    if campaign is None:
        raise NotFound(_("There is no campaign for your area yet."))
    unit = default_digest_unit(current_user, campaign)
    day = last_day(campaign)
    if get_digest(campaign, unit, day) is None and (history := digest_history(campaign, unit)):
        day = history[0].date
    return redirect(url_for("digests.digest_page", campaign_id=campaign.id, day=day.isoformat(), unit=unit.code))


@bp.get("/campaigns/<int:campaign_id>/digests/<day>")
@requires("digests.read")
@login_required
def digest_page(campaign_id, day):
    """The digest of one unit and day: countdown, reach and chart, pace, ranking, gaps and trainings."""
    campaign, unit, day = _reading(campaign_id, day)
    digest = get_digest(campaign, unit, day)
    values = {"campaign": campaign, "unit": unit, "day": day, "digest": digest,
              "previous_day": neighbours(campaign, day)[0], "next_day": neighbours(campaign, day)[1],
              "can_compile": can(current_user, "digests.compile"), "fmt": FORMATS}
    if digest is None:
        return render_template("digests/digest.html", **values), 404
    payload = digest.payload
    return render_template(
        "digests/digest.html", **values, payload=payload, said=said(payload), groups=breakdown_groups(payload),
        chart=burnup_svg(payload, title=chart_title(), description=projection_text(payload)),
        upcoming=with_instants(payload["upcoming"]), stale=with_instants(payload["stale"]),
        chat_text=digest_text(payload, link=digest_link(digest)),
    )


@bp.post("/campaigns/<int:campaign_id>/digests/<day>/compile")
@requires("digests.compile")
@login_required
def compile_now(campaign_id, day):
    """Compile (or compile again) the digest of a unit and day now (coordinators and admins)."""
    campaign, unit, day = _reading(campaign_id, day)
    try:
        compile_digest(campaign, unit, day, user=current_user)
        db.session.commit()
    except AppError as error:
        db.session.rollback()
        if error.status in (401, 403, 404):
            raise
        flash(" ".join([error.message, *(m for ms in error.fields.values() for m in ms)]), "error")
    else:
        flash(_("The digest was compiled."), "success")
    return redirect(url_for("digests.digest_page", campaign_id=campaign.id, day=day.isoformat(), unit=unit.code))


@bp.get("/campaigns/<int:campaign_id>/digests/<day>.pdf")
@requires("digests.read")
@login_required
def digest_pdf(campaign_id, day):
    """The digest as a one-page A4 PDF, to forward."""
    digest = _stored(campaign_id, day)
    pdf = build_digest_pdf(digest.payload, tz_name=digest.campaign.timezone, link=digest_link(digest))
    return download_response(pdf, "application/pdf", download_name(digest, "pdf"))


@bp.get("/campaigns/<int:campaign_id>/digests/<day>.txt")
@requires("digests.read")
@login_required
def digest_txt(campaign_id, day):
    """The digest as a few lines of plain text for a chat group."""
    digest = _stored(campaign_id, day)
    text = digest_text(digest.payload, link=digest_link(digest))
    return download_response(text.encode("utf-8"), "text/plain", download_name(digest, "txt"), inline=True)


@bp.get("/campaigns/<int:campaign_id>/digests/<day>.csv")
@requires("digests.read")
@login_required
def digest_csv_file(campaign_id, day):
    """The digest as CSV (UTF-8 with BOM, for Excel)."""
    return csv_response(_stored(campaign_id, day))


@bp.get("/campaigns/<int:campaign_id>/digests/<day>.xlsx")
@requires("digests.read")
@login_required
def digest_xlsx_file(campaign_id, day):
    """The digest as an Excel workbook."""
    return xlsx_response(_stored(campaign_id, day))


@bp.get("/campaigns/<int:campaign_id>/digests")
@requires("digests.read")
@login_required
def history(campaign_id):
    """A unit's digests, newest first, with a day picker (and a unit picker above the communes)."""
    campaign = get_campaign_for(current_user, campaign_id)
    args = load(HistoryArgsSchema(), "query")
    unit = digest_unit_for(current_user, campaign, args.get("unit"))
    if args.get("date"):
        return redirect(url_for("digests.digest_page", campaign_id=campaign.id, day=args["date"].isoformat(),
                                unit=unit.code))
    return render_template("digests/history.html", campaign=campaign, unit=unit,
                           rows=digest_history(campaign, unit), units=unit_choices(current_user, campaign),
                           last_day=last_day(campaign), fmt=FORMATS)
