"""``/api/v1/units``: the unit tree and its CSV import."""
import sqlalchemy as sa
from flask import request
from flask_babel import gettext as _
from flask_login import current_user

from tracker.api.common import protect
from tracker.auth.access import SIGNED_IN, ensure_can, ensure_visible, requires, scope_filter
from tracker.core.args import Blueprint
from tracker.core.errors import AppError
from tracker.extensions import db
from tracker.geo import operations
from tracker.geo.models import Unit
from tracker.geo.queries import get_unit
from tracker.geo.schemas import ImportResultSchema, UnitListArgsSchema, UnitListSchema

bp = protect(Blueprint("api_units", __name__, url_prefix="/api/v1/units", description="Administrative units"))

CSV_TYPES = {"text/csv", "application/csv", "text/plain"}


@bp.get("")
@requires(SIGNED_IN)
@bp.arguments(UnitListArgsSchema, location="query")
@bp.response(200, UnitListSchema)
def list_units(args):
    """List the units in your area, optionally under one parent or of one level."""
    stmt = sa.select(Unit).where(scope_filter(current_user, Unit)).order_by(Unit.path)
    stmt = stmt.options(sa.orm.selectinload(Unit.parent))
    if "parent" in args:
        parent = get_unit(args["parent"])
        if parent is None:
            raise AppError(_("Unknown unit: %(code)s.", code=args["parent"]), code="not_found", status=404)
        ensure_visible(current_user, parent)
        stmt = stmt.where(Unit.parent_id == parent.id)
    if "level" in args:
        stmt = stmt.where(Unit.level == args["level"])
    return {"items": db.session.scalars(stmt).all()}


@bp.post("/import")
@requires("units.import")
@bp.doc(requestBody={"required": True, "content": {"text/csv": {"schema": {"type": "string"}}}})
@bp.response(200, ImportResultSchema)
def import_units():
    """Create or update units from CSV ``code,name,level,parent_code,population``; all or nothing."""
    ensure_can(current_user, "units.import")
    if request.mimetype not in CSV_TYPES:
        raise AppError(_("Send the file as text/csv."), code="unsupported_media_type", status=415)
    result = operations.import_units(request.get_data(), user=current_user)
    db.session.commit()
    return result
