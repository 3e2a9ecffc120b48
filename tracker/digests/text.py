"""The digest as a few lines of plain text, ready to paste into a chat group (Zalo)."""
from flask_babel import gettext as _
from flask_babel import ngettext

from tracker.core.templating import number
from tracker.digests.wording import day_of_text, days_left_text, long_date, percent, projection_text

#: Units named on the leaders' and the not-yet-reached lines.
LEADERS, VILLAGES = 3, 3


def digest_text(payload, *, link=None):
    """Return the chat text of a digest payload: countdown, reach, yesterday, pace, leaders, gaps, link."""
    lines = [
        "📊 " + _("Digest %(campaign)s – %(unit)s – %(date)s", campaign=payload["campaign"]["name"],
                  unit=payload["unit"]["name"], date=long_date(payload["date"])),
        f"⏳ {day_of_text(payload)} · {days_left_text(payload)}",
        f"✅ {_reached_line(payload)}",
        "📅 " + _("Yesterday: +%(people)s people, %(checkins)s check-ins, %(trainings)s trainings held",
                  people=number(payload["new_reached_yesterday"]), checkins=number(payload["checkins_yesterday"]),
                  trainings=number(payload["trainings_held_yesterday"])),
        f"📈 {projection_text(payload)}",
    ]
    lines += [line for line in (_leaders_line(payload), _villages_line(payload)) if line]
    if link:
        lines.append(f"🔗 {link}")
    return "\n".join(lines) + "\n"


def _reached_line(payload):
    if payload.get("target") is None:
        return _("Reached %(reached)s people", reached=number(payload["reached"]))
    return _("Reached %(reached)s/%(target)s people (%(percent)s)", reached=number(payload["reached"]),
             target=number(payload["target"]), percent=percent(payload["reached_percent"]))


def _leaders_line(payload):
    leaders = [row for row in payload.get("ranking") or [] if row.get("rank") is not None][:LEADERS]
    if not leaders:
        return ""
    names = ", ".join(f"{row['name']} ({percent(row['percent'])})" for row in leaders)
    return "🏆 " + _("Leading: %(units)s", units=names)


def _villages_line(payload):
    villages = payload.get("villages_not_reached") or []
    if not villages:
        return ""
    names = ", ".join(village["name"] for village in villages[:VILLAGES])
    more = "…" if len(villages) > VILLAGES else ""
    return "⚠️ " + ngettext("No training yet: %(num)d village (%(names)s%(more)s)",
                            "No training yet: %(num)d villages (%(names)s%(more)s)",
                            len(villages), names=names, more=more)
