"""``flask --app tracker demo``: seed a realistic province."""
import click


@click.command("demo")
def demo_command():
    """Seed a Dak Lak-like province with a running campaign; print how to sign in."""
    raise click.ClickException("not written yet")
