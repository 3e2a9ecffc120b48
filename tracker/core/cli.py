"""What the command-line tools share: reporting refused input."""
import click

from tracker.extensions import db


def fail(message, fields=None):
    """Roll back, print ``message`` and the messages by field to stderr, and exit with status 1."""
    db.session.rollback()
    if message:
        click.echo(message, err=True)
    for where, messages in (fields or {}).items():
        click.echo(f"  {where}: {'; '.join(_flatten(messages))}", err=True)
    raise SystemExit(1)


def _flatten(messages):
    if isinstance(messages, str):
        return [messages]
    if isinstance(messages, dict):
        return [f"{key}: {'; '.join(_flatten(value))}" for key, value in messages.items()]
    return [str(message) for message in messages]
