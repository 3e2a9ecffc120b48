"""The digest in plain words: the countdown, pace and projection sentences that the page, the PDF
and the chat text all say the same way (in the current language)."""
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from tracker.core.templating import number
from tracker.participants.models import GENDER_LABELS, Gender

ETHNIC_LABELS = {"minority": _l("Ethnic minority"), "majority": _l("Majority (Kinh)")}
AGE_LABELS = {"under_15": _l("Under 15"), "15-24": "15–24", "25-39": "25–39", "40-59": "40–59", "60+": "60+"}


def short_date(value):
    """Return ``d/M`` (``12/10``), the way dates are said in the digest."""
    value = date.fromisoformat(value) if isinstance(value, str) else value
    return f"{value.day}/{value.month}"


def long_date(value):
    """Return ``dd/MM/yyyy`` (``20/08/2025``)."""
    value = date.fromisoformat(value) if isinstance(value, str) else value
    return value.strftime("%d/%m/%Y")


def percent(value):
    """Return a percentage with one decimal the local way (``41,1%``), or an empty string."""
    return "" if value is None else number(value, 1) + "%"


def days_left_text(payload):
    """Return "21 days left" (or that the deadline is today, or passed)."""
    return days_left_words(payload["days_left"])


def days_left_words(left):
    """Return "21 days left" for ``left`` days, "Last day today" for 1, and "The deadline has passed" for 0."""
    if left == 0:
        return _("The deadline has passed")
    if left == 1:
        return _("Last day today")
    return ngettext("%(num)d day left", "%(num)d days left", left)


def day_of_text(payload):
    """Return "Day 37 of 103"."""
    return _("Day %(n)s of %(total)s", n=payload["day_number"], total=payload["days_total"])


def projection_text(payload):
    """Say when the target is reached at the 7-day pace, against the deadline."""
    target, reached = payload.get("target"), payload.get("reached") or 0
    if target is None:
        return _("No target is set for this unit.")
    if reached >= target:
        return _("The target is reached.")
    if payload["days_left"] == 0:
        return _("The deadline has passed, %(people)s people short of the target.", people=number(target - reached))
    projected = payload.get("projected_completion_date")
    if projected is None:
        return _("Nobody new was reached in the last 7 days: at this pace the target will not be reached.")
    return _early_or_late(date.fromisoformat(projected), date.fromisoformat(payload["deadline"]))


def _early_or_late(projected, deadline):
    gap = (deadline - projected).days
    when = short_date(projected) if projected.year == deadline.year else long_date(projected)
    if gap > 0:
        return ngettext("At this pace the target is reached on %(date)s, %(num)d day before the deadline.",
                        "At this pace the target is reached on %(date)s, %(num)d days before the deadline.",
                        gap, date=when)
    if gap == 0:
        return _("At this pace the target is reached on %(date)s, the deadline itself.", date=when)
    return ngettext("At this pace the target is reached on %(date)s, %(num)d day after the deadline.",
                    "At this pace the target is reached on %(date)s, %(num)d days after the deadline.",
                    -gap, date=when)


def need_text(payload):
    """Say how many more people a day reach the target by the deadline (empty when none are needed)."""
    need = payload.get("required_daily_pace")
    if not need:
        return ""
    return _("%(people)s more people a day are needed to reach the target by the deadline.", people=number(need))


def pace_text(payload):
    """Say the 7-day pace."""
    return _("Pace over the last 7 days: %(pace)s people a day.", pace=number(payload.get("pace_7d") or 0, 1))


def rank_change_text(change):
    """Return ▲2, ▼1 or – for a change of rank since yesterday."""
    if not change:
        return "–"
    return f"▲{change}" if change > 0 else f"▼{-change}"


def status_text(payload):
    """Return "On track", "Behind" or "" (no target) for the badge."""
    if payload.get("on_track") is None:
        return ""
    return _("On track") if payload["on_track"] else _("Behind")


def said(payload):
    """Return every sentence of the digest page, by name."""
    return {"days_left": days_left_text(payload), "day_of": day_of_text(payload), "status": status_text(payload),
            "projection": projection_text(payload), "need": need_text(payload), "pace": pace_text(payload)}


#: The formatting helpers the templates call.
FORMATS = {"percent": percent, "rank_change": rank_change_text, "long_date": long_date, "short_date": short_date,
           "days_left": days_left_words}


def breakdown_groups(payload):
    """Return the breakdowns as ``[(title, [(label, people)])]``: gender, minority, age band, topic."""
    breakdown = payload.get("breakdown") or {}
    groups = [
        (_("Gender"), GENDER_LABELS, breakdown.get("gender") or {}, Gender),
        (_("Ethnicity"), ETHNIC_LABELS, breakdown.get("ethnic_minority") or {}, ETHNIC_LABELS),
        (_("Age"), AGE_LABELS, breakdown.get("age_band") or {}, AGE_LABELS),
    ]
    result = [(title, [(_capital(str(labels[key])), counts.get(getattr(key, "value", key), 0)) for key in keys])
              for title, labels, counts, keys in groups]
    topics = breakdown.get("topic") or {}
    result.append((_("Topic"), sorted(topics.items(), key=lambda item: (-item[1], item[0]))))
    return result


def _capital(text):
    return text[:1].upper() + text[1:]
