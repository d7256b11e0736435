"""Access and portability: the member downloads a complete archive of their data."""

import io
import json
import zipfile
from pathlib import Path

from rq import SimpleWorker

from forum import jobs
from forum.extensions import db
from forum.services import exports
from forum.services import retention as retention_rules
from gdpr.models import ExportArchive
from tests.factories import make_user, open_session
from tests.gdpr.conftest import MEMBER, make_member_with_a_past


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
