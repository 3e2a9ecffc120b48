"""``/api/v1/trainings``: plan, list, edit and cancel trainings."""
from flask_login import current_user

from tracker.api.common import protect
from tracker.auth.access import requires
from tracker.campaigns.queries import get_campaign_for
from tracker.core.args import Blueprint
from tracker.core.pagination import next_url
from tracker.extensions import db
from tracker.trainings import operations
from tracker.trainings.queries import get_training_for, page_trainings
from tracker.trainings.schemas import (
    TrainingCancelSchema,
    TrainingCreateSchema,
    TrainingListArgsSchema,
    TrainingListSchema,
    TrainingSchema,
    TrainingUpdateSchema,
)

bp = protect(Blueprint("api_trainings", __name__, url_prefix="/api/v1/trainings", description="Trainings"))


@bp.post("")
@requires("trainings.manage")
@bp.arguments(TrainingCreateSchema)
@bp.response(201, TrainingSchema)
def create_training(data):
    """Plan a training in a village."""
    training = operations.schedule_training(data, user=current_user)
    db.session.commit()
    return training


@bp.get("")
@requires("trainings.read")
@bp.arguments(TrainingListArgsSchema, location="query")
@bp.response(200, TrainingListSchema)
def list_trainings(args):
    """List trainings in your area by start time, filtered; ``next`` links the following page."""
    campaign = get_campaign_for(current_user, args["campaign_id"]) if "campaign_id" in args else None
    items, cursor = page_trainings(
        current_user, campaign=campaign, unit=args.get("unit"), day=args.get("date"),
        status=args.get("status"), cursor=args.get("cursor"), limit=args["limit"],
    )
    return {"items": items, "next": next_url(cursor)}


@bp.get("/<int:training_id>")
@requires("trainings.read")
@bp.response(200, TrainingSchema)
def get_training(training_id):
    """Show a training."""
    return get_training_for(current_user, training_id)


@bp.patch("/<int:training_id>")
@requires("trainings.manage")
@bp.arguments(TrainingUpdateSchema)
@bp.response(200, TrainingSchema)
def update_training(data, training_id):
    """Change a training's details."""
    training = operations.update_training(get_training_for(current_user, training_id), data, user=current_user)
    db.session.commit()
    return training


@bp.post("/<int:training_id>/cancel")
@requires("trainings.manage")
@bp.arguments(TrainingCancelSchema)
@bp.response(200, TrainingSchema)
def cancel_training(data, training_id):
    """Cancel a training; check-ins already recorded are kept."""
    training = get_training_for(current_user, training_id)
    operations.cancel_training(training, reason=data["reason"], user=current_user)
    db.session.commit()
    return training
