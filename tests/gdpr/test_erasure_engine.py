"""The erasure engine, held to the annotations: one member with a past in every table that has
a subject column, erased; then every column of every row that named them is checked against
its own declaration. A new table the factory does not reach makes the test fail."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

import gdpr.models
from forum.extensions import db
from forum.models import Role, User
from forum.models.base import REASON_WITHDRAWN
from forum.services import (
    accounts,
    admin_members,
    bookmarks,
    calendar,
    devices,
    erasure,
    exports,
    follows,
    glossary,
    guides,
    messages,
    moderation,
    notifications,
    photos,
    posting,
    profiles,
    reactions,
    reading,
    taxonomy,
)
from forum.services import legal_hold as held_data
from forum.services.moderation import Grounds
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
    bookmarks.toggle(member, theirs)  # a post she keeps
    reactions.toggle(member, theirs, "merci")  # a thank-you she gave
    follows.set_following(member, taxonomy.get_topic("financement"), True)  # a topic she follows
    reading.mark_seen(member, thread, [own])  # how far she read
    talk = messages.start(member, to="voisin", title="Entre nous", body="Mon message privé.")
    answer = messages.reply(someone, talk, body="La réponse du voisin.")
    moderation.report_message(
        member, answer, reason="harassment", member_ids={member.id, someone.id}
    )
    messages.set_block(member, someone, True)  # she blocks him
    glossary.load_reference()
    cpf = glossary.get_term("cpf")
    glossary.save_term(
        member, cpf, name=cpf.term, aliases="CPF", summary=cpf.summary, explanation="", checked=True
    )
    guide = guides.create_guide(
        member, title="Financer sa maquette", body="Le texte de Marthe.", topic_id=thread.topic_id
    )
    guides.edit_guide(
        member,
        guide,
        title="Financer sa maquette",
        body="Le texte de Marthe, complété.",
        summary="Complété par Marthe",
        topic_id=thread.topic_id,
    )
    their_guide = guides.create_guide(
        other_admin, title="La fiche du voisin", body="Texte du voisin.", topic_id=thread.topic_id
    )
    moderation.report_guide(member, their_guide, reason="spam")  # a guide she reported
    moderation.hide_guide(member, their_guide, Grounds("Publicité", "advertising"))
    follows.set_following(member, their_guide, True)
    meetup = calendar.propose(
        member,
        calendar.Draft(
            title="Rencontre des ébénistes",
            edition=28,
            starts_on="2026-09-12",
            starts_time="14:00",
            place="Atelier de Marthe, Nancy",
            description="Venez avec vos plans.",
        ),
    )
    calendar.edit_event(
        member,
        meetup,
        calendar.Draft(
            title="Rencontre des ébénistes",
            edition=28,
            starts_on="2026-09-19",
            starts_time="14:00",
            place="Salle des fêtes, Nancy",
            description="Venez avec vos plans.",
        ),
        note="Une semaine plus tard, Marthe",
    )
    their_meetup = calendar.propose(
        someone,
        calendar.Draft(
            title="Visio du voisin",
            edition=28,
            starts_on="2026-10-01",
            all_day=True,
            url="https://exemple.fr",
        ),
    )
    calendar.approve(member, their_meetup)  # she reviewed it
    calendar.set_following(member, their_meetup, True)
    picture = io.BytesIO()
    Image.new("RGB", (40, 30)).save(picture, "PNG")
    picture.seek(0)
    photos.attach(member, own, photos.prepare_all([FileStorage(picture, "etabli.png")]))
    db.session.commit()
    messages.set_block(someone, member, True)  # he blocks her
    notifications.save_settings(member, {"reaction": "off"}, digest=True, follow_on_post=True)
    moderation.report_post(someone, own, reason="off_topic")  # one she received
    hidden = posting.reply(member, thread, body="Un message de Marthe, masqué.", ip="192.0.2.10")
    moderation.hide_post(other_admin, hidden, Grounds("Hors sujet, Marthe", "on_topic"))
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


GONE = "the row is gone"
SET = "a value is set"


def _withdrawn_if_written(column: str):
    return lambda before: REASON_WITHDRAWN if before[column] is not None else None


def _if_erasure(value, column: str):
    return lambda before: value if before["kind"] == "erasure" else before[column]


# What becomes, after the erasure, of each row that named the member, by the column it named
# them through: GONE, or the columns that change and their new value (a value, SET, or a
# function of the row before); every other column must stay as it was. Written out by hand,
# from the annotations read as a person reads them: a new table or a changed annotation must
# be added here, on purpose.
ANONYMISED = {
    ("users", "id"): GONE,
    ("devices", "user_id"): GONE,
    ("login_events", "user_id"): GONE,
    ("user_trades", "user_id"): GONE,
    ("moderator_notes", "member_id"): GONE,
    ("notifications", "user_id"): GONE,
    ("bookmarks", "user_id"): GONE,
    ("follows", "user_id"): GONE,
    ("reactions", "user_id"): GONE,
    ("read_marks", "user_id"): GONE,
    ("notice_settings", "user_id"): GONE,
    ("gdpr_exports", "subject_ref"): GONE,
    # The moderation log stays, without the member; its statement of reasons is the proof.
    ("moderation_actions", "moderator_id"): {"moderator_id": None},
    ("moderation_actions", "member_id"): {
        "member_id": None,
        "target": lambda before: (
            "user:ancien-membre"
            if before["target"] == f"user:{before['member_id']}"
            else before["target"]
        ),
    },
    ("appeals", "member_id"): {"member_id": None},  # kept with the decision it contests
    ("reports", "reporter_id"): {"reporter_id": None, "comment": ""},
    ("personal_data_accesses", "admin_id"): {"admin_id": None},
    ("personal_data_accesses", "subject_id"): {"subject_id": None, "reason": REASON_WITHDRAWN},
    ("threads", "author_id"): {"author_id": None, "last_poster_id": None},
    ("threads", "last_poster_id"): {"author_id": None, "last_poster_id": None},
    ("posts", "author_id"): {
        "author_id": None,
        "hidden_reason": _withdrawn_if_written("hidden_reason"),
        "moderation_note": _withdrawn_if_written("moderation_note"),
    },
    ("posts", "hidden_by_id"): {"hidden_by_id": None},
    ("post_revisions", "editor_id"): {"editor_id": None},
    # Private conversations: « Ancien membre » and a placeholder for her words, whatever
    # she chose for her public posts; her title kept or emptied as she chose.
    ("conversations", "started_by_id"): {"started_by_id": None},
    ("conversation_members", "user_id"): GONE,
    ("messages", "author_id"): {
        "author_id": None,
        "source": "[message supprimé : membre effacé]",
        "html": "",
    },
    ("blocks", "user_id"): GONE,
    ("post_photos", "user_id"): GONE,
    ("glossary_terms", "edited_by_id"): {
        "edited_by_id": None
    },  # the definition stays  # and their files, whatever she chose for her text
    ("glossary_edits", "editor_id"): {"editor_id": None},  # who edited goes, the text stays
    # Guides are collaborative: her versions stay, signed « Ancien membre », whatever she chose.
    ("guides", "created_by_id"): {"created_by_id": None},
    ("guides", "hidden_by_id"): {"hidden_by_id": None},
    ("guide_revisions", "author_id"): {"author_id": None},
    ("events", "organiser_id"): {"organiser_id": None},
    ("events", "reviewed_by_id"): {"reviewed_by_id": None},
    ("event_changes", "changed_by_id"): {"changed_by_id": None},
    ("blocks", "blocked_id"): {"blocked_id": None},  # the one blocking her blocks nobody now
    # gdpr/'s records: kept under their legal basis, closed or dated.
    ("gdpr_consent_events", "subject_ref"): {"subject_ended_at": SET},
    ("gdpr_erasures", "subject_ref"): {"executed_at": SET},
    ("gdpr_requests", "subject_ref"): {  # the erasure request is closed, the others stay
        "status": _if_erasure("done", "status"),
        "outcome": _if_erasure("erased", "outcome"),
        "closed_at": _if_erasure(SET, "closed_at"),
    },
    ("gdpr_hold_access", "requested_by_ref"): {},
    ("gdpr_hold_readings", "reader_ref"): {},
    ("gdpr_hold_records", "subject_ref"): {},
}
DELETED = ANONYMISED | {
    ("threads", "author_id"): ANONYMISED[("threads", "author_id")]
    | {"title": "Discussion d'un ancien membre", "slug": "discussion"},
    ("threads", "last_poster_id"): ANONYMISED[("threads", "author_id")]
    | {"title": "Discussion d'un ancien membre", "slug": "discussion"},
    ("posts", "author_id"): ANONYMISED[("posts", "author_id")]
    | {"source": "", "html": "", "search_text": "", "deleted_at": SET},
    ("post_revisions", "editor_id"): GONE,  # her own former versions go with her posts
    ("conversations", "started_by_id"): {"started_by_id": None, "title": "Conversation"},
    # Her event's words go with her posts' (its dates stay: others planned to come).
    ("events", "organiser_id"): {
        "organiser_id": None,
        "title": "Événement d'un ancien membre",
        "description_source": "",
        "description_html": "",
        "place": "",
        "url": "",
    },
    # The history of her own event is its content (`content_of`): it goes with it; her review
    # of someone else's event stays, without her.
    ("event_changes", "changed_by_id"): lambda before: (
        {"changed_by_id": None} if before["what"] == "approved" else GONE
    ),
}
EXPECTED = {"anonymise": ANONYMISED, "delete": DELETED}


def _wrong(expected, before, after) -> list[str]:
    """How AFTER differs from what EXPECTED says of the row BEFORE."""
    if callable(expected):
        expected = expected(before)
    if expected is GONE:
        return [] if after is None else ["should be gone"]
    if after is None:
        return ["should stay"]
    wrong = []
    for column, was in before.items():
        wanted = expected.get(column, was)
        if callable(wanted):
            wanted = wanted(before)
        if wanted is SET:
            if after[column] is None or after[column] == was:
                wrong.append(f"{column}: {after[column]!r}, not a new value")
        elif after[column] != wanted:
            wrong.append(f"{column}: {after[column]!r}, not {wanted!r}")
    return wrong


@pytest.mark.parametrize("choice", ["anonymise", "delete"])
def test_each_row_that_named_the_member_becomes_what_is_written(app_ctx, time_machine, choice):
    time_machine.move_to("2026-06-01 10:00", tick=True)
    member = give_a_past_everywhere(app_ctx)
    erasure.pending_erasure(member).content = choice
    db.session.commit()
    before = _linked_rows(member)
    time_machine.shift(60 * 60 * 24 * 8)

    assert len(erasure.run_due_erasures()) == 1

    wrong = []
    for (table_name, column_name), rows in before.items():
        table = next(t for m in METADATAS for t in m.sorted_tables if t.name == table_name)
        if rows and (table_name, column_name) not in EXPECTED[choice]:
            wrong.append(f"{table_name}.{column_name}: no expectation written")
            continue
        for row in rows:
            where = [c == row[c.name] for c in table.primary_key.columns]
            after = db.session.execute(select(table).where(*where)).mappings().first()
            name = f"{table_name} {[row[c.name] for c in table.primary_key.columns]}"
            expected = EXPECTED[choice][(table_name, column_name)]
            wrong += [f"{name} {problem}" for problem in _wrong(expected, row, after)]
    assert wrong == [], wrong
