"""``flask --app tracker users …``"""
import sys

import click
import marshmallow as ma
from flask.cli import AppGroup
from flask_babel import gettext as _

from tracker.auth import operations
from tracker.auth.models import Role
from tracker.auth.schemas import UserCreateSchema
from tracker.core.cli import fail
from tracker.core.errors import AppError
from tracker.extensions import db

users_cli = AppGroup("users", help="User accounts.")


@users_cli.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice([role.value for role in Role]), required=True)
@click.option("--unit", "unit_code", required=True, help="Code of the unit the user works in.")
@click.option("--full-name", default=None)
@click.option("--email", default=None)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_command(username, role, unit_code, full_name, email, password_stdin):
    """Create a user; the password is asked for (or read from standard input)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    raw = {"username": username, "password": password, "role": role, "unit": unit_code,
           "full_name": full_name, "email": email}
    try:
        data = UserCreateSchema().load(raw)
        user = operations.create_user(data, user=None)
    except ma.ValidationError as error:
        fail(None, error.messages)
    except AppError as error:
        fail(error.message, error.fields)
    db.session.commit()
    click.echo(_("Created %(username)s (%(role)s) for %(unit)s [%(code)s].", username=user.username,
                 role=user.role.value, unit=user.unit.name, code=user.unit.code))
