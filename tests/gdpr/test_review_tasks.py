"""What an erasure leaves in other people's rows: found in every spelling, as whole words,
fixed where it stands (every free text of the row, what is computed from it, its history)."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, Text, select

from forum import mail, usernames
from forum.extensions import db
from forum.models import ModerationAction, Post, PostRevision, Role, Thread, User
from forum.services import erasure, moderation, posting, profiles, review_tasks
from forum.services.moderation import Grounds
from gdpr import erasure as gdpr_erasure
from gdpr.models import ReviewTask
from tests.factories import PASSWORD, make_thread, make_user
from tests.gdpr.conftest import MEMBER, dump, make_member_with_a_past
from tests.test_mail import Recorder, _serve


@pytest.fixture(autouse=True)
def _clock(time_machine):
    time_machine.move_to("2026-06-01 10:00", tick=True)


def _erase(member, time_machine, content="anonymise"):
    erasure.schedule_erasure(member, password=PASSWORD, content=content)
    time_machine.shift(60 * 60 * 24 * 8)
    return erasure.run_due_erasures()


def _tasks():
    return db.session.scalars(select(ReviewTask).order_by(ReviewTask.id)).all()


def _found():
    return {(task.table_name, task.column_name) for task in _tasks()}


def _admin():
    return make_user(role=Role.ADMIN, username="admin")


# --- finding ----------------------------------------------------------------------------------


def test_a_name_is_found_as_a_word_not_inside_another():
    def find(text):
        return gdpr_erasure.find(text, ["Léa", "lea@exemple.fr"], usernames.key)

    assert find("Merci Léa !") == [(6, 9)]
    assert find("Merci LEA, et bonjour à Léandre") == [(6, 9)]
    assert find("Léandre, Azaléa, Cléa") == []
    assert find("écrire à <lea@exemple.fr>") == [(10, 24)]
    assert find("écrire à malea@exemple.fr") == []


@pytest.mark.parametrize(
    "spelling",
    [
        "ｍａｔｈｉｌｄｅ-ｔｏｕｒｎｅｕｓｅ",  # full-width letters
        "𝐦𝐚𝐭𝐡𝐢𝐥𝐝𝐞-𝐭𝐨𝐮𝐫𝐧𝐞𝐮𝐬𝐞",  # mathematical bold
        "Mathilde Tourneuse",  # the username written as a name
        "Mme Tournesol",  # a word of the display name
        "MATHILDE TOURNESOL",
    ],
)
def test_the_scan_finds_every_spelling_and_the_words_of_the_name(app_ctx, time_machine, spelling):
    member, thread, _ = make_member_with_a_past()
    posting.reply(make_user(), thread, body=f"Bravo à {spelling} pour sa finale.")

    _erase(member, time_machine)

    assert ("posts", "source") in _found()


def test_a_longer_word_holding_the_name_is_not_a_residue(app_ctx, time_machine):
    member, thread, _ = make_member_with_a_past()
    reply = posting.reply(make_user(), thread, body="Les tournesols du Gers, en marqueterie.")

    _erase(member, time_machine)

    assert reply.id not in {int(t.row_key) for t in _tasks() if t.table_name == "posts"}


# --- fixing -----------------------------------------------------------------------------------


def test_replacing_cleans_every_free_text_of_the_row_and_its_history(app_ctx, time_machine):
    member, thread, _ = make_member_with_a_past()
    neighbour = make_user(username="voisine")
    reply = posting.reply(
        neighbour,
        thread,
        body=f"Merci Mathilde Tournesol ! [Lui écrire](mailto:{MEMBER['email']}) "
        f"ou <{MEMBER['email']}>",
    )
    posting.edit_post(neighbour, reply, body=reply.source + " Bonne chance.")
    moderator = make_user(role=Role.MODERATOR)
    moderation.hide_post(
        moderator, reply, Grounds("Adresse de Mathilde Tournesol publiée", "privacy")
    )
    admin = _admin()
    _erase(member, time_machine)
    task = next(t for t in _tasks() if t.table_name == "posts" and t.row_key == str(reply.id))

    review_tasks.replace_residue(admin, task)

    post = db.session.get(Post, reply.id)
    assert post.source.startswith("Merci Ancien membre ! Lui écrire ou Ancien membre")
    assert "mailto" not in post.source + post.html
    assert "Tournesol" not in post.hidden_reason  # the moderator's reason, in the same row
    history = db.session.scalars(select(PostRevision).where(PostRevision.post_id == reply.id))
    assert all("Tournesol" not in version.source for version in history)
    log = db.session.scalars(select(ModerationAction).order_by(ModerationAction.id.desc()))
    assert next(iter(log)).target == f"post:{reply.id}"
    assert not [t for t in _tasks() if t.row_key == str(reply.id) and t.resolved_at is None]


def test_a_thread_title_is_rewritten_with_its_address(app_ctx, time_machine):
    member, _thread, _ = make_member_with_a_past()
    other = make_thread(author=make_user(), title="Conseils de Mathilde Tournesol", body="Oui.")
    admin = _admin()
    _erase(member, time_machine)
    task = next(t for t in _tasks() if t.table_name == "threads")

    review_tasks.replace_residue(admin, task)

    thread = db.session.get(Thread, other.id)
    assert thread.title == "Conseils de Ancien membre" and "tournesol" not in thread.slug


def test_a_name_that_is_not_free_text_stays_to_review(app_ctx, time_machine):
    """Another member's username holding a word of the name cannot be rewritten: replacing
    their bio leaves the username task open."""
    member, _thread, _ = make_member_with_a_past()
    namesake = make_user(username="tournesol")
    profiles.update_profile(
        namesake,
        display_name="",
        region_code=None,
        edition=None,
        trade_ids=[],
        bio="J'ai connu Mathilde Tournesol en formation.",
        visibility=profiles.Visibility(bio=True),
    )
    admin = _admin()
    _erase(member, time_machine)
    tasks = {t.column_name: t for t in _tasks() if t.table_name == "users"}
    items = {item.task.column_name: item for item in review_tasks.list_review_tasks(admin)}

    review_tasks.replace_residue(admin, tasks["bio_source"])

    assert not items["username"].rewritable and items["bio_source"].rewritable
    user = db.session.get(User, namesake.id)
    assert user.username == "tournesol" and "Tournesol" not in user.bio_source + user.bio_html
    assert tasks["username"].resolved_at is None
    with pytest.raises(Exception, match="texte libre"):
        review_tasks.replace_residue(admin, tasks["username"])


# --- erasure hooks ----------------------------------------------------------------------------


def test_a_deleting_erasure_removes_the_quoted_text_from_the_history_too(app_ctx, time_machine):
    member, thread, _ = make_member_with_a_past()
    quoting = db.session.scalars(select(Post).where(Post.quoted_post_id.is_not(None))).one()
    posting.edit_post(quoting.author, quoting, body=quoting.source + "\n\nPS : bravo.")

    _erase(member, time_machine, content="delete")

    assert "frêne" not in dump()


def test_a_mention_in_a_thread_title_is_rewritten(app_ctx, time_machine):
    member, _thread, _ = make_member_with_a_past()
    titled = make_thread(author=make_user(), title="Question pour @mathilde-tourneuse", body="?")

    _erase(member, time_machine)

    thread = db.session.get(Thread, titled.id)
    assert thread.title == "Question pour @ancien-membre" and "mathilde" not in thread.slug


@pytest.mark.parametrize(
    "spelling", ["@MATHILDE-TOURNEUSE", "@mathılde-tourneuse", "@mathilde-tourneuſe"]
)
def test_a_mention_is_rewritten_in_every_case_python_reads_it_in(app_ctx, time_machine, spelling):
    """ "ı" and "ſ" are an "i" and an "s" to a case-insensitive match, not to SQLite's LIKE."""
    member, thread, _ = make_member_with_a_past()
    reply = posting.reply(make_user(), thread, body=f"Bravo {spelling} !")

    _erase(member, time_machine)

    assert db.session.get(Post, reply.id).source == "Bravo @ancien-membre !"


# --- on disk, and the last mail ---------------------------------------------------------------


@pytest.mark.sqlite_only
def test_the_write_ahead_log_keeps_nothing_of_an_erased_member(app_factory, tmp_path, time_machine):
    database = tmp_path / "instance" / "etabli.db"
    app = app_factory(SQLALCHEMY_DATABASE_URI=f"sqlite:///{database}")
    with app.app_context():
        member = make_user(username="zephyrine", email="zephyrine@exemple.fr")
        make_thread(author=member, title="Zephyrine prépare sa finale", body="Zephyrine écrit.")
        reader = sqlite3.connect(database)  # another process reading the forum, idle
        reader.execute("SELECT count(*) FROM users").fetchone()

        _erase(member, time_machine, content="delete")

        wal = database.with_name(database.name + "-wal")
        on_disk = database.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
        reader.close()
        db.engine.dispose()
    assert b"zephyrin" not in on_disk.lower()  # nor its stem, in the search index's pages


def test_the_last_mail_goes_after_the_commit_and_only_to_who_asked(
    app_ctx, time_machine, monkeypatch
):
    sent = []
    monkeypatch.setattr(
        mail,
        "transmit",
        lambda to, subject, body, headers=None: sent.append(
            (to, subject, body, db.session().in_transaction())
        ),
    )
    asked = make_user(username="lucie", email="lucie@exemple.fr")
    purged = make_user(username="oubliee", email="oubliee@exemple.fr")
    erasure.schedule_erasure(asked, password=PASSWORD, content="anonymise")
    time_machine.shift(60 * 60 * 24 * 8)

    erasure.run_due_erasures()
    erasure.erase_now(purged, content="delete")  # retention: nobody asked
    db.session.commit()

    ((to, _subject, body, mid_transaction),) = [m for m in sent if "est effacé" in m[1]]
    assert to == "lucie@exemple.fr" and not mid_transaction
    assert "compte : 1" in body and "users" not in body and "gdpr_" not in body


def test_the_last_mail_reaches_a_real_mail_server(app_factory, time_machine):
    serving = _serve(Recorder())
    controller, recorder = next(serving)
    app = app_factory(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    with app.app_context():
        make_user(username="oubliee", email="oubliee@exemple.fr", verified=False)
        member = make_user(username="lucie", email="lucie@exemple.fr")
        erasure.schedule_erasure(member, password=PASSWORD, content="anonymise")
        time_machine.shift(60 * 60 * 24 * 8)
        erasure.run_due_erasures()
        count_after_erasure = len(recorder.envelopes)
        app.test_cli_runner().invoke(args=["gdpr", "retention"])  # purges the unconfirmed one
    next(serving, None)

    assert recorder.envelopes[-1].rcpt_tos == ["lucie@exemple.fr"]
    assert len(recorder.envelopes) == count_after_erasure  # no last mail for the purge


def test_replacing_in_hostile_text_stays_linear():
    """Brackets by the thousand (a post at its maximum length) are rewritten at once."""
    hostile = "[" * 50_000 + "[a](" * 5_000 + " Mathilde Tournesol"

    assert review_tasks.scrub(hostile, [MEMBER["display_name"]]).endswith(" Ancien membre")


def test_a_percent_or_backslash_in_an_identifier_is_searched_literally(app_ctx):
    """The database prefilter escapes LIKE's own characters (PostgreSQL reads "\\" as one)."""
    reply = posting.reply(make_user(), make_thread(), body="Écrire à zo%e\\ma@exemple.fr demain.")
    decoy = posting.reply(make_user(), make_thread(), body="Écrire à zoXe_ma@exemple.fr demain.")

    found = gdpr_erasure.scan(db.session, [Post.__table__], ["zo%e\\ma@exemple.fr"])

    rows = {int(key) for _table, column, key in found if column == "source"}
    assert reply.id in rows and decoy.id not in rows


@pytest.fixture
def probe_table(app_ctx):
    """A table of free text of its own, for scans over texts no post could hold."""
    table = Table(
        "scan_probe", MetaData(), Column("id", Integer, primary_key=True), Column("body", Text)
    )
    table.create(db.engine, checkfirst=True)
    yield table
    db.session.rollback()
    table.drop(db.engine)


def _probe(table, texts):
    db.session.execute(table.insert(), [{"id": i, "body": text} for i, text in enumerate(texts)])
    return table


def test_the_database_hands_over_every_spelling_of_every_common_character(probe_table):
    """Each character an identifier may hold is found in each spelling that stands for it,
    LIKE's and the regular expressions' own characters included ("]", "\\", "^", "-", "%")."""
    spellings = gdpr_erasure._spellings(usernames.key)
    needles = [f"zq{chars[0]}qz" for chars in spellings.values()]
    texts = [f"avant zq{char}qz après" for chars in spellings.values() for char in chars]
    _probe(probe_table, texts)

    found = gdpr_erasure.scan(db.session, [probe_table], needles, skeleton=usernames.key)

    assert len(texts) > 250
    missed = set(range(len(texts))) - {int(key) for _table, _column, key in found}
    assert not [texts[i] for i in missed]


def test_a_word_only_the_wildcards_let_through_is_not_read(probe_table, monkeypatch):
    """A key such as "membre0003" (its "e", "0" and "3" spelt many ways) lets every "membres de"
    through LIKE: the texts are matched exactly before they are read word by word."""
    _probe(probe_table, ["Les membres du jury", "Merci à MEMBRE00O³ !", "membre0004 répond"])
    read = []
    monkeypatch.setattr(gdpr_erasure, "find", lambda text, *args: read.append(text) or [(0, 1)])

    found = gdpr_erasure.scan(db.session, [probe_table], ["membre0003"], skeleton=usernames.key)

    assert read == ["Merci à MEMBRE00O³ !"]
    assert [key for _table, _column, key in found] == ["1"]
