"""Command-line interface (`flask --app forum …`): thin wrappers over services."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from forum import jobs
from forum.errors import InvalidInput
from forum.models import Role
from forum.services import (
    accounts,
    demo,
    erasure,
    glossary,
    processing_register,
    retention,
    taxonomy,
)

demo_cli = AppGroup("demo", help="Demo data.")
users_cli = AppGroup("users", help="Member accounts.")
taxonomy_cli = AppGroup("taxonomy", help="Trades and topics.")
gdpr_cli = AppGroup("gdpr", help="Privacy (RGPD): retention, erasures, register, keys.")
jobs_cli = AppGroup("jobs", help="Background jobs (RQ on Redis).")


@gdpr_cli.command("retention")
@click.option("--dry-run", is_flag=True, help="Count what is due without removing anything.")
def gdpr_retention(dry_run: bool) -> None:
    """Apply every retention rule; log counts (never personal data) as the proof of purge."""
    outcomes = retention.apply_retention(dry_run=dry_run)
    prefix = "Would remove" if dry_run else "Removed"
    for outcome in outcomes:
        click.echo(f"{prefix} {outcome.count:>6}  {outcome.rule}")


@gdpr_cli.command("erasures")
@click.argument("action", type=click.Choice(["run"]))
def gdpr_erasures(action: str) -> None:
    """Execute the erasures whose grace period is over (idempotent, resumable)."""
    certificates = erasure.run_due_erasures()
    click.echo(f"Erasures executed: {len(certificates)}.")


@gdpr_cli.command("reapply-erasures")
def gdpr_reapply_erasures() -> None:
    """After a backup restore, erase again every member erased since (tombstones)."""
    click.echo(f"Members erased again: {erasure.reapply_erasures()}.")


@gdpr_cli.command("register")
def gdpr_register() -> None:
    """Print the record of processing activities (art. 30) as Markdown."""
    click.echo(processing_register.register_markdown())


@gdpr_cli.command("rotate-keys")
def gdpr_rotate_keys() -> None:
    """Re-encrypt every encrypted column under the first key of DATA_KEYS."""
    counts = accounts.rotate_keys()
    for column, count in counts.items():
        click.echo(f"Re-encrypted {count:>6}  {column}")


@jobs_cli.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def jobs_worker(burst: bool) -> None:
    """Run an RQ worker for the forum's jobs (needs REDIS_URL)."""
    if not current_app.config["REDIS_URL"]:
        raise click.ClickException("REDIS_URL is not set: jobs run inline, no worker needed.")
    from rq import Worker

    Worker([jobs.queue()], connection=jobs.queue().connection).work(burst=burst)


@jobs_cli.command("digest")
def jobs_digest() -> None:
    """Mail the daily digest of their notices to the members who chose it (run once a day)."""
    if current_app.config["REDIS_URL"]:
        jobs.enqueue("send_digests")
        click.echo("Digest queued for the workers.")
    else:
        click.echo(f"Digests sent: {jobs.enqueue('send_digests')}.")


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
    click.echo(f"Glossary: {glossary.load_reference()} terms added.")


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
    app.cli.add_command(gdpr_cli)
    app.cli.add_command(jobs_cli)
