"""Writes to trainings: schedule, edit, cancel."""
from flask_babel import gettext as _

from tracker.auth.access import can_see, ensure_can
from tracker.campaigns.queries import get_campaign_for
from tracker.core.errors import Conflict, InvalidInput, NotFound
from tracker.core.time import UTC, local_date
from tracker.events import operations as events
from tracker.extensions import db
from tracker.trainings.models import Training, TrainingStatus

EDITABLE = ("village", "title", "topic", "starts_at", "ends_at", "place", "trainer", "capacity")


def schedule_training(data, *, user):
    """Plan a training in a village of the user's scope."""
    ensure_can(user, "trainings.manage")
    try:
        campaign = get_campaign_for(user, data["campaign_id"])
    except NotFound:
        raise _invalid(campaign_id=_("Unknown campaign.")) from None
    training = Training(campaign=campaign, status=TrainingStatus.planned, created_by_id=user.id,
                        **{key: data[key] for key in EDITABLE})
    training.title = training.title.strip()
    _validate(training, user)
    db.session.add(training)
    db.session.flush()
    events.record("training.scheduled", training, snapshot(training), user=user,
                  unit=training.village, campaign=campaign)
    return training


def update_training(training, data, *, user):
    """Change a training's details; a held training keeps its check-ins."""
    ensure_can(user, "trainings.manage", training.village)
    if training.is_cancelled:
        raise Conflict(_("A cancelled training cannot be edited."))
    before = snapshot(training)
    for key in EDITABLE:
        if key in data:
            setattr(training, key, data[key])
    if training.ends_at <= training.starts_at:
        raise _invalid(ends_at=_("The end must be after the start."))
    _validate(training, user)
    after = snapshot(training)
    changes = {key: [before[key], after[key]] for key in after if before[key] != after[key]}
    if changes:
        db.session.flush()
        events.record("training.updated", training, {"changes": changes}, user=user,
                      unit=training.village, campaign=training.campaign)
    return training


def cancel_training(training, *, reason, user):
    """Cancel a planned or held training; its check-ins are kept."""
    ensure_can(user, "trainings.manage", training.village)
    if training.is_cancelled:
        raise Conflict(_("The training is already cancelled."))
    previous = training.status
    training.status = TrainingStatus.cancelled
    training.cancel_reason = reason.strip() or None
    db.session.flush()
    payload = {"reason": training.cancel_reason, "previous_status": previous.value}
    events.record("training.cancelled", training, payload, user=user, unit=training.village,
                  campaign=training.campaign)
    return training


def _validate(training, user):
    """Check the village, topic and window against the user's scope and the campaign."""
    campaign, village = training.campaign, training.village
    errors = {}
    if not can_see(user, village) or not village.is_within(campaign.unit):
        errors["village"] = _("This village is not in your area.")
    if training.topic not in campaign.topics:
        errors["topic"] = _("Choose one of the campaign's topics.")
    first, last = (local_date(at, campaign.timezone) for at in (training.starts_at, training.ends_at))
    if first < campaign.start_date or last > campaign.deadline:
        errors["starts_at"] = _("The training must take place between %(start)s and %(end)s.",
                                start=campaign.start_date.strftime("%d/%m/%Y"),
                                end=campaign.deadline.strftime("%d/%m/%Y"))
    if errors:
        raise _invalid(**errors)


def _invalid(**fields):
    return InvalidInput(_("Some fields are not valid."), fields={k: [v] for k, v in fields.items()})


def snapshot(training):
    """Return the training's details as JSON-ready values (for events)."""
    return {
        "village": training.village.code,
        "title": training.title,
        "topic": training.topic,
        "starts_at": training.starts_at.astimezone(UTC).isoformat(),
        "ends_at": training.ends_at.astimezone(UTC).isoformat(),
        "place": training.place,
        "trainer": training.trainer,
        "capacity": training.capacity,
    }
