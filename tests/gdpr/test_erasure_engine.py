"""The erasure engine, held to the annotations: one member with a past in every table that has
a subject column, erased; then every column of every row that named them is checked against
its own declaration. A new table the factory does not reach makes the test fail."""

from __future__ import annotations

import pytest
from sqlalchemy import select

import gdpr.models
from forum.extensions import db
from forum.models import Role, User
from forum.services import (
    accounts,
    admin_members,
    devices,
    erasure,
    exports,
    moderation,
    posting,
    profiles,
    taxonomy,
)
from forum.services import legal_hold as held_data
from forum.services.moderation import Grounds
from gdpr.annotations import Erase, of
from gdpr.erasure import references, subjects_table
from tests.factories import PASSWORD, make_post, make_taxonomy, make_user

METADATAS = (db.metadata, gdpr.models.metadata)


def give_a_past_everywhere(app) -> User:
    """An admin (with two-factor) who did and underwent everything the forum records."""
    make_taxonomy()
    member = make_user(username="marthe-ebeniste", email="marthe@exemple.fr", role=Role.ADMIN)
    other_admin = make_user(role=Role.ADMIN, username="autre-admin")
    someone = make_user(username="voisin")
    profiles.update_profile(
        member,
        display_name="Marthe Rabot",
        region_code="GES",
        edition=28,
        trade_ids=[taxonomy.get_trade("ebenisterie").id],
        bio="Ébéniste à Nancy.",
        visibility=profiles.Visibility(display_name=True, trades=True, bio=True),
    )
    accounts.authenticate("marthe-ebeniste", PASSWORD, ip="192.0.2.10")
    thread = posting.create_thread(
        member,
        title="Mon plateau marqueté",
        body="Premier message de Marthe.",
        topic_id=taxonomy.get_topic("dossier-maquette").id,
        ip="192.0.2.10",
    )
    own = posting.reply(member, thread, body="Une réponse de Marthe.", ip="192.0.2.10")
    posting.edit_post(member, own, body="Une réponse de Marthe, corrigée.")
    theirs = make_post(author=someone, body="Le message du voisin.")
    moderation.report_post(member, theirs, reason="spam")  # a report she made
    moderation.report_post(someone, own, reason="off_topic")  # one she received
    moderation.hide_post(member, theirs, Grounds("Publicité", "advertising"))  # she moderated
    moderation.add_note(other_admin, member, text="Prévenue une fois.")
    moderation.sanction(other_admin, member, "warn", Grounds("Ton agressif", "respect"))
    warning = moderation.list_log(other_admin)[0]
    moderation.appeal(member, warning, text="Je conteste cet avertissement.")
    admin_members.reveal(other_admin, member, "email", reason="Vérification d'identité")
    admin_members.reveal(member, someone, "email", reason="Vérification demandée")
    exports.request_export(member)
    access = held_data.request_hold_access(member, post_id=theirs.id, reason="Réquisition 2026/1")
    held_data.approve_hold_access(other_admin, access)
    held_data.reveal_hold(member, access)
    erasure.schedule_erasure(member, password=PASSWORD, content="anonymise")
    devices.open_session(member, user_agent="Firefox", remember=True)  # logged in since
    return member


def _linked_rows(member: User) -> dict[tuple[str, str], list[dict]]:
    """For each (table, column) naming MEMBER: the rows, as they are before the erasure."""
    subjects = subjects_table(METADATAS)
    found = {}
    for metadata in METADATAS:
        for table in metadata.sorted_tables:
            for column, holds_key in references(table, subjects):
                value = member.id if holds_key else member.subject_ref
                rows = db.session.execute(select(table).where(column == value)).mappings().all()
                found[(table.name, column.name)] = [dict(row) for row in rows]
    return found


def test_the_factory_reaches_every_table_with_a_subject_column(app_ctx):
    member = give_a_past_everywhere(app_ctx)

    linked = _linked_rows(member)

    tables = {t.name for m in METADATAS for t in m.sorted_tables if t.info.get("subject")}
    reached = {table for (table, column), rows in linked.items() if rows}
    assert tables - reached == set()


def _is_link_to_subjects(column) -> bool:
    return any(fk.column.table.name == "users" for fk in column.foreign_keys)


# What the hooks and the engine's own bookkeeping do beyond the annotations.
BEYOND_ANNOTATIONS = {
    # The moderation log names nobody by number (hook "moderation_targets").
    "moderation_actions.target": lambda before, member: before.replace(
        f"user:{member.id}", "user:ancien-membre"
    ),
    # A proof of consent is kept five years from the end of the account: the end is noted.
    "gdpr_consent_events.subject_ended_at": lambda before, member: "set",
}


def _expected(column, before, choice: str, *, link: bool):
    """What COLUMN of a row that stays should hold after the erasure, by its annotation."""
    data = of(column)
    if data is None or data.erase is Erase.HOLD:
        return before
    if link or _is_link_to_subjects(column):
        return None
    if data.erase is Erase.ANONYMISE:
        return data.placeholder if data.placeholder is not None else before
    if data.erase is Erase.CONTENT and choice == "anonymise":
        return before
    if data.placeholder is not None:
        return data.placeholder
    return None if column.nullable else ("" if isinstance(before, str) else False)


def _checked_columns(table, column_name: str):
    """The columns to check in a row found through COLUMN_NAME: all of the subject's own
    columns when it is the row's subject column, only that link otherwise."""
    if table.info.get("subject") != column_name:
        return [table.c[column_name]]
    subjects = subjects_table(METADATAS)
    other_links = {c.name for c, _ in references(table, subjects)} - {column_name}
    content_elsewhere = table.info.get("content_of")
    return [
        column
        for column in table.columns
        if of(column) is not None  # the rest is not personal: nothing to erase
        and column.name not in other_links
        and not (content_elsewhere and of(column).erase is Erase.CONTENT)
    ]


def _goes(table, column_name: str, row, owned: set, choice: str) -> bool:
    """Whether the whole row goes: the subject's own row whose link says DELETE, or a row that
    is nothing but the content the member chose to delete (OWNED, found before the erasure)."""
    if table.info.get("subject") == column_name and of(table.c[column_name]).erase is Erase.DELETE:
        return True
    key = tuple(row[c.name] for c in table.primary_key.columns)
    return choice == "delete" and (table.name, key) in owned


def _content_of_member(member) -> set:
    """(table, key) of the rows that are nothing but the content of the member's rows."""
    owned = set()
    for metadata in METADATAS:
        for table in metadata.sorted_tables:
            link = table.info.get("content_of")
            if not link:
                continue
            (foreign_key,) = table.c[link].foreign_keys
            parent = foreign_key.column.table
            owner = parent.c[parent.info["subject"]]
            theirs = select(foreign_key.column).where(owner == member.id)
            rows = db.session.execute(select(table).where(table.c[link].in_(theirs))).mappings()
            for row in rows:
                owned.add((table.name, tuple(row[c.name] for c in table.primary_key.columns)))
    return owned


@pytest.mark.parametrize("choice", ["anonymise", "delete"])
def test_each_column_is_erased_as_its_annotation_says(app_ctx, time_machine, choice):
    time_machine.move_to("2026-06-01 10:00", tick=True)
    member = give_a_past_everywhere(app_ctx)
    erasure.pending_erasure(member).content = choice
    db.session.commit()
    before = _linked_rows(member)
    owned = _content_of_member(member)
    time_machine.shift(60 * 60 * 24 * 8)

    assert len(erasure.run_due_erasures()) == 1

    wrong = []
    for (table_name, column_name), rows in before.items():
        table = next(t for m in METADATAS for t in m.sorted_tables if t.name == table_name)
        (key,) = table.primary_key.columns if len(table.primary_key.columns) == 1 else [None]
        for row in rows:
            where = [c == row[c.name] for c in table.primary_key.columns]
            after = db.session.execute(select(table).where(*where)).mappings().first()
            name = f"{table_name} {[row[c.name] for c in table.primary_key.columns]}"
            if _goes(table, column_name, row, owned, choice):
                if after is not None:
                    wrong.append(f"{name} should be gone")
                continue
            if after is None:
                wrong.append(f"{name} should stay")
                continue
            for column in _checked_columns(table, column_name):
                link = column.name == column_name
                expected = _expected(column, row[column.name], choice, link=link)
                beyond = BEYOND_ANNOTATIONS.get(f"{table_name}.{column.name}")
                if beyond is not None:
                    expected = beyond(row[column.name], member)
                    if expected == "set" and after[column.name] is not None:
                        continue
                if after[column.name] != expected:
                    wrong.append(f"{name}.{column.name}: {after[column.name]!r}, not {expected!r}")
    assert wrong == []
