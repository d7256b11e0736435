"""Helpers for the privacy tests: a whole-database dump, a member with a past."""

from __future__ import annotations

from sqlalchemy import inspect, text

from forum.extensions import db
from forum.services import posting
from tests.factories import make_post, make_thread, make_user


def dump() -> str:
    """Every row of every table of the database, as text (a stand-in for pg_dump / .dump)."""
    lines = []
    with db.engine.connect() as connection:
        for table in inspect(connection).get_table_names():
            for row in connection.execute(text(f'SELECT * FROM "{table}"')):
                lines.append(f"{table}: {tuple(row)!r}")
    return "\n".join(lines)


MEMBER = {
    "username": "mathilde-tourneuse",
    "email": "mathilde.tourneuse@exemple.fr",
    "display_name": "Mathilde Tournesol",
    "bio": "Tourneuse sur bois à Gérardmer, candidate depuis 2024.",
}


def make_member_with_a_past():
    """A member who posted, edited, was quoted and mentioned; her profile filled in."""
    from forum.services import profiles

    member = make_user(username=MEMBER["username"], email=MEMBER["email"])
    profiles.update_profile(
        member,
        display_name=MEMBER["display_name"],
        region_code="GES",
        edition=28,
        trade_ids=[],
        bio=MEMBER["bio"],
        visibility=profiles.Visibility(display_name=True, bio=True),
    )
    thread = make_thread(author=member, title="Mon tour à bois pour la finale", body="Premier jet")
    own = make_post(thread=thread, author=member, body="Je tourne du **buis**.")
    posting.edit_post(member, own, body="Je tourne du **buis** et du frêne.")
    other = make_user(username="bernard-ebeniste")
    posting.reply(
        other,
        thread,
        body=posting.quote_markdown(own) + "Merci @Mathilde-Tourneuse, bon courage !",
        quoted_post_id=own.id,
    )
    return member, thread, own
