"""``flask --app tracker units …``"""
import click
from flask.cli import AppGroup
from flask_babel import gettext as _

from tracker.core.cli import fail
from tracker.core.errors import InvalidInput
from tracker.extensions import db
from tracker.geo import operations

units_cli = AppGroup("units", help="Administrative units.")


@units_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def import_command(path):
    """Create or update units from a CSV file (code,name,level,parent_code,population)."""
    with open(path, "rb") as handle:
        data = handle.read()
    try:
        result = operations.import_units(data, user=None)
    except InvalidInput as error:
        fail(error.message, error.fields)
    db.session.commit()
    click.echo(_("Units imported: %(created)d created, %(updated)d updated.", **result))
