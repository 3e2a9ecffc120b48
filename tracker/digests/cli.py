"""``flask --app tracker digest …``"""
import click
import marshmallow as ma
from flask.cli import AppGroup
from flask_babel import format_decimal
from flask_babel import gettext as _

from tracker.campaigns.models import Campaign
from tracker.campaigns.queries import campaign_today
from tracker.core.cli import fail
from tracker.core.errors import AppError
from tracker.digests import operations
from tracker.digests.schemas import DigestCompileCommandSchema
from tracker.extensions import db

digest_cli = AppGroup("digest", help="The daily countdown digest.")


@digest_cli.command("compile")
@click.option("--campaign", "campaign_id", required=True, help="Id of the campaign.")
@click.option("--date", "day", default=None, help="Day of the digest, YYYY-MM-DD (default: today there).")
@click.option("--unit", "unit_code", default=None, help="Province or commune code (default: all of them).")
def compile_command(campaign_id, day, unit_code):
    """Compile and store the digests of a day: the province and every commune, or one unit."""
    try:
        data = DigestCompileCommandSchema().load({"campaign": campaign_id, "date": day, "unit": unit_code})
        digests = _compile(data)
    except ma.ValidationError as error:
        fail(_("Some fields are not valid."), error.messages)
    except AppError as error:
        fail(error.message, error.fields)
    db.session.commit()
    for digest in digests:
        click.echo(digest_line(digest))


def _compile(data):
    campaign = db.session.get(Campaign, data["campaign"])
    if campaign is None:
        raise AppError(_("Campaign not found."), code="not_found", status=404)
    day = data["date"] or campaign_today(campaign)
    if data["unit"] is not None:
        return [operations.compile_digest(campaign, data["unit"], day)]
    return operations.compile_campaign(campaign, day)


def digest_line(digest):
    """Return one line about a compiled digest: unit, people reached against the target, percent."""
    payload = digest.payload
    values = {"code": digest.unit.code, "name": digest.unit.name, "day": digest.date.isoformat(),
              "reached": format_decimal(payload["reached"])}
    if not payload["target"]:  # none set (a province without commune targets sums to 0)
        return _("%(day)s %(code)s %(name)s: %(reached)s people reached (no target)", **values)
    percent = payload["reached_percent"]
    return _("%(day)s %(code)s %(name)s: %(reached)s of %(target)s people reached (%(percent)s %%)", **values,
             target=format_decimal(payload["target"]),
             percent="—" if percent is None else format_decimal(percent, "0.0"))
