"""``flask --app tracker units …``"""
import click
from flask.cli import AppGroup

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
        db.session.rollback()
        click.echo(f"Nothing imported: {error.message}", err=True)
        for where, messages in error.fields.items():
            text = messages if isinstance(messages, str) else "; ".join(_flatten(messages))
            click.echo(f"  {where}: {text}", err=True)
        raise SystemExit(1) from None
    db.session.commit()
    click.echo(f"Units imported: {result['created']} created, {result['updated']} updated.")


def _flatten(messages):
    if isinstance(messages, dict):
        return [f"{key}: {'; '.join(_flatten(value))}" for key, value in messages.items()]
    return [str(message) for message in messages]
