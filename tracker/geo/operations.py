"""Writes to the unit tree: the idempotent CSV import."""
import csv
import io

import marshmallow as ma
import sqlalchemy as sa
from flask_babel import gettext as _

from tracker.auth.access import ensure_can
from tracker.core.errors import InvalidInput
from tracker.events import operations as events
from tracker.extensions import db
from tracker.geo.models import PARENT_LEVEL, Unit, UnitLevel
from tracker.geo.queries import get_units_by_codes
from tracker.geo.schemas import UnitRowSchema

COLUMNS = ("code", "name", "level", "parent_code", "population")
LEVEL_ORDER = {UnitLevel.province: 0, UnitLevel.commune: 1, UnitLevel.village: 2}
MAX_ROWS = 50_000


def read_units_csv(data):
    """Parse CSV bytes or text (UTF-8, with or without BOM) into ``(line, row)`` pairs."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InvalidInput(_("The file is not UTF-8 text.")) from None
    data = data.lstrip("\ufeff")
    reader = csv.DictReader(io.StringIO(data, newline=""))
    header = [name.strip() for name in reader.fieldnames or []]
    missing = [name for name in COLUMNS if name not in header]
    if missing:
        raise InvalidInput(
            _("The header must be %(columns)s.", columns=",".join(COLUMNS)),
            fields={"line 1": [_("Missing columns: %(names)s.", names=", ".join(missing))]},
        )
    reader.fieldnames = header
    rows = [(reader.line_num, row) for row in reader if any((v or "").strip() for v in row.values())]
    if len(rows) > MAX_ROWS:
        raise InvalidInput(_("At most %(n)d rows per import.", n=MAX_ROWS))
    return rows


def import_units(data, *, user):
    """Create or update units from CSV; all rows or none. Return ``{"created", "updated"}``."""
    if user is not None:
        ensure_can(user, "units.import")
    lines = read_units_csv(data)
    rows = _validate_rows(lines)
    stored = get_units_by_codes({row[key] for row in rows for key in ("code", "parent_code")} - {None})
    _check_tree(rows, stored, user)
    created, updated = _apply(sorted(rows, key=lambda r: LEVEL_ORDER[r["level"]]), stored)
    root = _common_root(rows, stored)
    if root is not None:
        payload = {"created": created, "updated": updated, "rows": len(rows)}
        events.record("unit.imported", root, payload, user=user, unit=root)
    return {"created": created, "updated": updated}


def _validate_rows(lines):
    """Load every row with the row schema, reporting errors by CSV line number."""
    try:
        rows = UnitRowSchema(many=True).load([row for _line, row in lines], unknown=ma.EXCLUDE)
    except ma.ValidationError as exc:
        fields = {f"line {lines[index][0]}": messages for index, messages in exc.messages.items()}
        raise InvalidInput(_("Some rows are not valid; nothing was imported."), fields=fields) from None
    seen = {}
    errors = {}
    for (line, _row), row in zip(lines, rows):
        row["line"] = line
        if row["code"] in seen:
            errors[f"line {line}"] = [_("Code %(code)s repeats line %(other)d.", code=row["code"], other=seen[row["code"]])]
        seen.setdefault(row["code"], line)
    if errors:
        raise InvalidInput(_("Some rows are not valid; nothing was imported."), fields=errors)
    return rows


def _check_tree(rows, stored, user):
    """Check parents exist with the right level, levels don't change and rows stay in scope."""
    by_code = {row["code"]: row for row in rows}
    errors = {}
    for row in rows:
        problem = _row_problem(row, by_code, stored, user)
        if problem:
            errors[f"line {row['line']}"] = [problem]
    if errors:
        raise InvalidInput(_("Some rows are not valid; nothing was imported."), fields=errors)


def _row_problem(row, by_code, stored, user):
    existing = stored.get(row["code"])
    if existing is not None and existing.level != row["level"]:
        return _("%(code)s is already a %(level)s.", code=row["code"], level=existing.level.label)
    if user is not None and existing is not None and not existing.is_within(user.unit):
        return _("%(code)s lies outside your area.", code=row["code"])
    parent_code = row["parent_code"]
    if parent_code is None:
        if user is not None and not (existing and existing.is_within(user.unit)):
            return _("Only the command line may create a province.")
        return None
    if parent_code in by_code:
        parent_level = by_code[parent_code]["level"]
    else:
        parent_level = stored[parent_code].level if parent_code in stored else None
    if parent_level is None:
        return _("Unknown parent code %(code)s.", code=parent_code)
    if parent_level != PARENT_LEVEL[row["level"]]:
        return _("The parent of a %(level)s must be a %(parent)s.", level=row["level"].label,
                 parent=PARENT_LEVEL[row["level"]].label)
    if user is not None and not _parent_in_scope(parent_code, by_code, stored, user):
        return _("%(code)s lies outside your area.", code=row["code"])
    return None


def _parent_in_scope(code, by_code, stored, user):
    """Follow parents through the file and the database until a stored unit is found."""
    while code in by_code and code not in stored:
        code = by_code[code]["parent_code"]
        if code is None:
            return False
    unit = stored.get(code)
    return unit is not None and unit.is_within(user.unit)


def _apply(rows, stored):
    """Write the rows parents-first; return the counts of created and updated units."""
    created = updated = 0
    for row in rows:
        parent = stored.get(row["parent_code"]) if row["parent_code"] else None
        path = (parent.path if parent else "/") + row["code"] + "/"
        unit = stored.get(row["code"])
        if unit is None:
            unit = Unit(code=row["code"], level=row["level"], path=path)
            db.session.add(unit)
            stored[row["code"]] = unit
            created += 1
        elif _differs(unit, row, parent, path):
            updated += 1
        else:
            continue
        old_path = unit.path
        unit.name, unit.population, unit.parent, unit.path = row["name"], row["population"], parent, path
        db.session.flush()
        if old_path != path:
            _move_descendants(old_path, path)
    return created, updated


def _differs(unit, row, parent, path):
    return (unit.name, unit.population, unit.parent_id, unit.path) != (
        row["name"], row["population"], parent.id if parent else None, path)


def _move_descendants(old_path, new_path):
    """Rewrite the paths under a unit that moved to another parent."""
    db.session.execute(
        sa.update(Unit)
        .where(Unit.path.startswith(old_path, autoescape=True), Unit.path != new_path)
        .values(path=sa.literal(new_path) + sa.func.substr(Unit.path, len(old_path) + 1))
        .execution_options(synchronize_session="fetch")
    )


def _common_root(rows, stored):
    """Return the deepest stored unit containing every imported unit."""
    paths = [stored[row["code"]].path.strip("/").split("/") for row in rows]
    if not paths:
        return None
    common = paths[0]
    for parts in paths[1:]:
        length = next((i for i, (a, b) in enumerate(zip(common, parts)) if a != b), min(len(common), len(parts)))
        common = common[:length]
    return stored.get(common[-1]) if common else None
