"""Pages that belong to no domain: the start page and the language switch."""
from flask import Blueprint, current_app, redirect, request, session, url_for

bp = Blueprint("core", __name__)


@bp.get("/")
def index():
    """Send visitors to their dashboard (or to the login page)."""
    return redirect(url_for("campaigns.dashboard"))


@bp.post("/language")
def set_language():
    """Remember the chosen language for this browser session."""
    lang = request.form.get("lang")
    if lang in current_app.config["TRACKER_LANGUAGES"]:
        session["lang"] = lang
    target = request.form.get("next") or ""
    return redirect(target if target.startswith("/") and not target.startswith("//") else url_for("core.index"))
