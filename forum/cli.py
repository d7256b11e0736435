"""Command-line interface (`flask --app forum …`): thin wrappers over services."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from forum.errors import InvalidInput
from forum.models import Role
from forum.services import accounts, demo, taxonomy

demo_cli = AppGroup("demo", help="Demo data.")
users_cli = AppGroup("users", help="Member accounts.")
taxonomy_cli = AppGroup("taxonomy", help="Trades and topics.")


@demo_cli.command("load")
def demo_load() -> None:
    """Load the demo data into an empty database (does nothing otherwise)."""
    result = demo.load()
    if result.created:
        click.echo(f"Demo data loaded: {result.threads} threads, {result.posts} posts.")
    else:
        click.echo("The database already has members: nothing loaded.")
    if not result.accounts:
        return
    click.echo(f"Demo accounts (password for each: {demo.PASSWORD}):")
    for username, role in result.accounts:
        click.echo(f"  {username:<20} {role}")


@taxonomy_cli.command("load")
def taxonomy_load() -> None:
    """Add the reference trades and topics that are missing (idempotent)."""
    result = taxonomy.load_reference()
    click.echo(
        f"Taxonomy: {result.groups} trade groups, {result.trades} trades, "
        f"{result.topics} topics added."
    )


@users_cli.command("create-admin")
@click.option("--email", prompt="E-mail")
@click.option("--username", prompt="Username")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def users_create_admin(email: str, username: str, password: str) -> None:
    """Create a verified administrator account."""
    try:
        user = accounts.create_user(
            email=email, username=username, password=password, role=Role.ADMIN, via="cli"
        )
    except InvalidInput as error:
        raise click.ClickException(f"{error.field}: {error.message}") from error
    click.echo(f"Administrator {user.username} created.")


@users_cli.command("set-role")
@click.argument("username")
@click.argument("role", type=click.Choice([role.value for role in Role]))
def users_set_role(username: str, role: str) -> None:
    """Give USERNAME the role ROLE (member, moderator, admin, coet_staff)."""
    try:
        user = accounts.set_role(username, Role(role))
    except InvalidInput as error:
        raise click.ClickException(error.message) from error
    click.echo(f"{user.username} is now {user.role.value}.")


def register(app: Flask) -> None:
    """Attach the command groups to APP."""
    app.cli.add_command(demo_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(taxonomy_cli)
