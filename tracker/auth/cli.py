"""``flask --app tracker users …``"""
import sys

import click
import marshmallow as ma
from flask.cli import AppGroup

from tracker.auth import operations
from tracker.auth.models import Role
from tracker.auth.schemas import UserCreateSchema
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
        _fail(error.messages)
    except AppError as error:
        _fail(error.fields or error.message)
    db.session.commit()
    click.echo(f"Created {user.username} ({user.role.value}) for {user.unit.name} [{user.unit.code}].")


def _fail(messages):
    db.session.rollback()
    if isinstance(messages, dict):
        for field, text in messages.items():
            click.echo(f"{field}: {' '.join(text) if isinstance(text, list) else text}", err=True)
    else:
        click.echo(str(messages), err=True)
    raise SystemExit(1)
