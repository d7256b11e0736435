"""Access and portability: the member downloads a complete archive of their data."""

import io
import json
import zipfile
from pathlib import Path

from rq import SimpleWorker

from forum import jobs
from forum.extensions import db
from forum.models import Role
from forum.services import exports, moderation, posting
from forum.services import retention as retention_rules
from forum.services.moderation import Grounds
from gdpr.models import ExportArchive
from tests.factories import make_thread, make_user, open_session
from tests.gdpr.conftest import MEMBER, make_member_with_a_past
from tests.sql import recording


def _login(client, user_id_epoch):
    with client.session_transaction() as session:
        session["_user_id"] = user_id_epoch


def test_a_member_downloads_a_complete_archive_of_their_data(app, client, outbox):
    with app.app_context():
        member, _, own = make_member_with_a_past()
        make_user(username="quelquun", email="secret.tiers@exemple.fr")
        _login(client, open_session(member))

    client.post("/me/privacy/export")
    link = outbox.last_link(MEMBER["email"], "/me/privacy/export/")
    response = client.get(link)

    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    names = set(archive.namelist())
    assert {"data.json", "index.html", "schema.json"} <= names
    assert any(name.startswith("posts/") and name.endswith(".md") for name in names)
    data = json.loads(archive.read("data.json"))
    assert data["schema_version"] == 1
    assert data["account"] == data["account"] | {
        "username": MEMBER["username"],
        "email": MEMBER["email"],
    }
    titles = {post["thread_title"] for post in data["posts"]}
    assert titles == {"Mon tour à bois pour la finale"}
    edited = next(post for post in data["posts"] if post["revisions"])
    assert edited["revisions"][0]["source"] == "Je tourne du **buis**."
    assert {c["purpose"] for c in data["consents"]} >= {"terms", "privacy_policy"}
    assert data["tables"]["users"][0]["bio_source"] == MEMBER["bio"]
    everything = archive.read("data.json").decode() + archive.read("index.html").decode()
    assert "secret.tiers@exemple.fr" not in everything and "bernard-ebeniste" not in everything
    assert "password_hash" not in everything and "argon2" not in everything
    assert "<script" not in archive.read("index.html").decode()


def test_nobody_else_can_download_the_archive(app, client, outbox):
    with app.app_context():
        member, *_ = make_member_with_a_past()
        intruder = make_user(username="curieux")
        _login(client, open_session(member))
        client.post("/me/privacy/export")
        link = outbox.last_link(MEMBER["email"], "/me/privacy/export/")
        _login(client, open_session(intruder))

    client.get("/")  # shows the member's last message, "your archive is ready"
    theirs, missing = client.get(link), client.get("/me/privacy/export/999")

    assert theirs.status_code == missing.status_code == 404  # ids are not told apart
    assert theirs.get_data(as_text=True).replace(link, "/me/privacy/export/999") == (
        missing.get_data(as_text=True)
    )
    assert app.test_client().get(link).status_code == 302  # visitors are sent to log in


def test_the_archive_expires_after_seven_days_and_retention_deletes_it(
    app, client, outbox, time_machine
):
    time_machine.move_to("2026-03-01 12:00")
    with app.app_context():
        member, *_ = make_member_with_a_past()
        _login(client, open_session(member))
    client.post("/me/privacy/export")
    link = outbox.last_link(MEMBER["email"], "/me/privacy/export/")
    time_machine.move_to("2026-03-08 12:01")

    refused = client.get(link)
    with app.app_context():
        outcomes = {o.rule: o.count for o in retention_rules.apply_retention()}
        remaining = db.session.scalar(db.select(db.func.count()).select_from(ExportArchive))
    files = list((Path(app.instance_path) / "exports").glob("*.zip"))

    assert refused.status_code == 404
    assert outcomes["export_archives"] == 1 and remaining == 0 and files == []


def test_with_redis_the_archive_is_built_by_an_rq_worker(app_factory, redis_url, outbox):
    app = app_factory(REDIS_URL=redis_url)
    with app.app_context():
        jobs.queue().empty()
        member, *_ = make_member_with_a_past()
        archive = exports.request_export(member)
        assert archive.status == "pending" and outbox.to(MEMBER["email"]) == []

        SimpleWorker([jobs.queue()], connection=jobs.queue().connection).work(burst=True)

        db.session.expire_all()
        assert db.session.get(ExportArchive, archive.id).status == "ready"
    assert "/me/privacy/export/" in outbox.to(MEMBER["email"])[-1].get_content()


def _archive(member) -> zipfile.ZipFile:
    """The member's archive, built as the job builds it."""
    archive = exports.request_export(member)
    path = exports.archive_path(member, archive.id)
    return zipfile.ZipFile(path)


def _a_member_others_acted_upon():
    """A member whose thread another answered, whose post was reported, hidden and noted by
    a moderator, who appealed, and whose posts' authors' addresses are held."""
    member, thread, own = make_member_with_a_past()
    moderator = make_user(role=Role.MODERATOR, username="moderateur-secret")
    reporter = make_user(username="signaleuse-secrete")
    posting.reply(member, thread, body="Avec mon adresse IP.", ip="198.51.100.23")
    posting.reply(make_user(username="dernier-repondant"), thread, body="Je réponds en dernier.")
    moderation.report_post(reporter, own, reason="off_topic")
    moderation.hide_post(moderator, own, Grounds("Hors sujet ici", "on_topic"))
    moderation.add_note(moderator, member, text="À suivre.")
    decision = moderation.list_log(moderator)[0]
    moderation.appeal(member, decision, text="Ce message était bien dans le sujet.")
    return member, {"moderateur-secret", "signaleuse-secrete", "dernier-repondant"}


def test_the_export_has_every_decision_notification_and_held_record(app_ctx):
    member, _others = _a_member_others_acted_upon()

    data = json.loads(_archive(member).read("data.json"))

    (decision,) = data["decisions"]
    assert decision["action"] == "hide_post" and decision["rule"] == "on_topic"
    assert decision["statement"] == "Votre message a été masqué." and decision["rule_title"]
    assert decision["appeal"]["text"] == "Ce message était bien dans le sujet."
    # The decision, and the replies others wrote in the member's thread (which they follow).
    assert {n["kind"] for n in data["notifications"]} >= {"moderation", "reply"}
    texts = {n["text"] for n in data["notifications"]}
    assert {"Votre message a été masqué.", "Réponses dans les discussions que je suis"} <= texts
    held = data["held_identification"]
    assert "LCEN" in held["basis"] and {r["ip"] for r in held["records"]} == {"198.51.100.23"}
    assert data["controller"]["contact"] == app_ctx.config["PRIVACY_CONTACT"]


def test_the_export_names_nobody_else(app_ctx):
    member, others = _a_member_others_acted_upon()

    archive = _archive(member)
    data = json.loads(archive.read("data.json"))

    everything = archive.read("data.json").decode() + archive.read("index.html").decode()
    assert [name for name in others if name in everything] == []
    links_to_members = {
        (table.name, column.name)
        for table in db.metadata.sorted_tables
        for column in table.columns
        if any(fk.column.table.name == "users" for fk in column.foreign_keys)
    }
    for table, rows in data["tables"].items():
        for row in rows:
            for column, value in row.items():
                if (table, column) in links_to_members:
                    assert value in (member.id, None), (table, column)  # nobody else's id


def test_a_moderators_export_holds_neither_the_text_they_replaced_nor_the_approver(app_ctx):
    """The export of an admin who rewrote another member's post and asked to read held data:
    not that member's former text, not the other admin who approved."""
    from forum.services import legal_hold

    admin, approver = make_user(role=Role.ADMIN), make_user(role=Role.ADMIN)
    author, thread, post = make_member_with_a_past()
    moderation.edit_post(
        admin,
        post,
        body="Texte revu par la modération.",
        grounds=Grounds("Mise en forme du message", "on_topic"),
    )
    access = legal_hold.request_hold_access(
        admin, post_id=post.id, reason="Réquisition judiciaire n° 42"
    )
    legal_hold.approve_hold_access(approver, access)

    archive = _archive(admin)
    everything = archive.read("data.json").decode()

    assert "post_revisions" in json.loads(everything)["tables"]  # their edit, without the text
    assert "frêne" not in everything  # the author's text the admin replaced

    (asked,) = json.loads(everything)["tables"]["gdpr_hold_access"]
    assert asked["requested_by_ref"] == admin.subject_ref
    assert approver.subject_ref not in asked.values()


def test_the_schema_describes_every_table_and_column_of_the_export(app_ctx):

    member, _ = _a_member_others_acted_upon()

    archive = _archive(member)
    data, schema = json.loads(archive.read("data.json")), json.loads(archive.read("schema.json"))

    described = schema["properties"]["tables"]["properties"]
    for table, rows in data["tables"].items():
        columns = described[table]["items"]["properties"]
        assert set(rows[0]) <= set(columns), table
        assert all(column["description"] for column in columns.values())
    assert set(schema["required"]) <= set(data)


def test_the_readable_page_is_for_people_in_french(app_ctx):
    member, _ = _a_member_others_acted_upon()

    _archive(member)  # a first request, closed when its archive was ready
    page = _archive(member).read("index.html").decode()

    assert '<meta name="viewport"' in page
    assert "archive prête" in page and "archive ready" not in page
    assert "message n° " in page and "post:" not in page

    assert "accès (article 15)" in page and "politique de confidentialité" in page
    assert "en ligne, depuis le centre de confidentialité" in page and "membre" in page
    for code in ("privacy_policy", "self-service", "hide_post", "on_topic", "bio_source"):
        assert code not in page
    assert "heure de Paris" in page


def _export_statements(app, member) -> int:
    db.session.expire_all()
    with recording(app) as statements:
        exports.request_export(member)
    return len(statements)


def test_the_exports_statements_do_not_grow_with_the_members_threads(app_ctx):
    """Each post's thread title read apart was 3,400 queries for 5,000 posts (3.5 s)."""
    member = make_user(username="prolifique")
    make_thread(author=member, title="Une première discussion")
    few = _export_statements(app_ctx, member)
    for number in range(12):
        make_thread(author=member, title=f"Discussion numéro {number}")

    assert _export_statements(app_ctx, member) <= few
    titles = {
        post["thread_title"] for post in json.loads(_archive(member).read("data.json"))["posts"]
    }
    assert "Discussion numéro 11" in titles and len(titles) == 13
