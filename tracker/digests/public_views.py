"""The public progress page of a campaign (off until an admin turns it on): no sign-in, no personal data.

The countdown, the province's and each commune's progress and the emulation ranking, from the
same snapshot as the dashboards (``progress.progress_now``). Cacheable by any proxy: the page
never reads the session (no cookie, no ``Vary: Cookie``), its language comes from ``?lang=``, and
it answers ``ETag`` / ``Cache-Control: public``.
"""
from flask import Blueprint, g, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import AnonymousUserMixin

from tracker.campaigns.models import Campaign
from tracker.campaigns.queries import campaign_today, countdown
from tracker.core.errors import NotFound
from tracker.core.i18n import LANGUAGE_NAMES
from tracker.core.sessions import mark_shared
from tracker.digests.chart import burnup_svg, chart_title
from tracker.digests.dashboard import snapshot_etag
from tracker.digests.progress import progress_now
from tracker.digests.wording import FORMATS, projection_text, said
from tracker.extensions import db
from tracker.geo.models import UnitLevel
from tracker.geo.queries import get_unit

bp = Blueprint("public", __name__, url_prefix="/public")

#: Seconds a proxy or browser may keep the page (the figures change at most every minute).
MAX_AGE = 60


@bp.before_request
def stay_anonymous():
    """Render as nobody, the same page for everyone (no cookie read or sent)."""
    g._login_user = AnonymousUserMixin()
    mark_shared()


@bp.get("/campaigns/<int:campaign_id>")
def progress(campaign_id):
    """The province's progress and the ranking of its communes."""
    campaign = _published(campaign_id)
    return _page(campaign, campaign.unit)


@bp.get("/campaigns/<int:campaign_id>/units/<code>")
def unit_progress(campaign_id, code):
    """One commune's progress and the ranking of its villages."""
    campaign = _published(campaign_id)
    unit = get_unit(code)
    if unit is None or unit.level != UnitLevel.commune or not unit.is_within(campaign.unit):
        raise NotFound(_("Not found."))
    return _page(campaign, unit)


def _published(campaign_id):
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None or not campaign.is_public:
        raise NotFound(_("Not found."))
    return campaign


def _page(campaign, unit):
    snapshot = progress_now(campaign, unit)
    db.session.commit()
    lang = request.args.get("lang")
    etag = snapshot_etag(snapshot)[:-1] + f'-{lang or ""}"'  # one per language
    headers = {"ETag": etag, "Cache-Control": f"public, max-age={MAX_AGE}"}
    if headers["ETag"] in request.headers.get("If-None-Match", ""):
        return "", 304, headers
    payload = snapshot.payload
    today = campaign_today(campaign, now=snapshot.as_of)
    links = {}
    if unit.level == UnitLevel.province:
        links = {row["code"]: url_for("public.unit_progress", campaign_id=campaign.id, code=row["code"], lang=lang)
                 for row in payload.get("ranking") or []}
    html = render_template(
        "public/progress.html", campaign=campaign, unit=unit, snapshot=snapshot, payload=payload, today=today,
        countdown=countdown(campaign, today), said=said(payload), fmt=FORMATS, links=links, lang=lang,
        lang_links={code: url_for(request.endpoint, **request.view_args, lang=code) for code in LANGUAGE_NAMES},
        chart=burnup_svg(payload, title=chart_title(), description=projection_text(payload)))
    return html, 200, headers
