"""Demo data for `make run`: loaded only into an empty database, deterministic."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Role, User
from forum.services import accounts

# Printed by `flask demo load`: demo accounts are for a local machine only.
PASSWORD = "etabli-demo-2026!"
ACCOUNTS = [
    ("admin", Role.ADMIN),
    ("camille_moderation", Role.MODERATOR),
    ("coet_officiel", Role.COET_STAFF),
    ("julien-boulanger", Role.MEMBER),
    ("sophie_ebeniste", Role.MEMBER),
    ("karim-chocolatier", Role.MEMBER),
    ("nathalie-fleuriste", Role.MEMBER),
    ("mathieu_ferronnier", Role.MEMBER),
]


@dataclass
class DemoResult:
    created: bool
    accounts: list[tuple[str, str]] = field(default_factory=list)


def load() -> DemoResult:
    """Create the demo accounts if the database has no member yet; list those that exist."""
    if db.session.scalar(select(func.count()).select_from(User)):
        existing = [
            (username, user.role.value)
            for username, _ in ACCOUNTS
            if (user := accounts.get_user_by_username(username)) is not None
        ]
        return DemoResult(created=False, accounts=existing)
    result = DemoResult(created=True)
    for username, role in ACCOUNTS:
        accounts.create_user(
            email=f"{username.replace('_', '.')}@demo.example.org",
            username=username,
            password=PASSWORD,
            role=role,
            via="demo",
        )
        result.accounts.append((username, role.value))
    return result
