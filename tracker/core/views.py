"""Pages that belong to no domain (the start page, the language switch) and what every HTML
view shares: handing a refused form post back to its form."""
import marshmallow as ma
from flask import Blueprint, current_app, flash, redirect, session, url_for
from flask_babel import gettext as _

from tracker.core.args import load
from tracker.extensions import db

bp = Blueprint("core", __name__)


def refused(error):
    """Roll back a refused form post; return its messages by field, with the summary.

    Refusals that are not about the input (403, 404) are raised again for the error page.
    """
    db.session.rollback()
    if error.status in (401, 403, 404):
        raise error
    fields = dict(error.fields)
    fields.setdefault("_schema", [error.message])
    return fields


def flash_refusal(error, category="error"):
    """Roll back a refused action posted from a page and flash why: the first field's message, else the summary.

    403 / 404 go to the error page, as with :func:`refused`.
    """
    fields = refused(error)
    messages = [str(message) for name, found in fields.items() if name != "_schema"
                for message in (found if isinstance(found, list) else [found])]
    flash(messages[0] if messages else error.message, category)


class LanguageFormSchema(ma.Schema):
    lang = ma.fields.String(required=True)
    next = ma.fields.String(load_default="")

    @ma.validates("lang")
    def validate_lang(self, value, **kwargs):
        """Only the languages the app ships."""
        if value not in current_app.config["TRACKER_LANGUAGES"]:
            raise ma.ValidationError(_("Unknown language."))


@bp.get("/")
def index():
    """Send visitors to their dashboard (or to the login page)."""
    return redirect(url_for("campaigns.dashboard"))


@bp.post("/language")
def set_language():
    """Remember the chosen language for this browser session."""
    data = load(LanguageFormSchema())
    session["lang"] = data["lang"]
    target = data["next"]
    return redirect(target if target.startswith("/") and not target.startswith("//") else url_for("core.index"))
