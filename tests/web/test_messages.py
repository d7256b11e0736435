"""Private conversations between two to ten members: refusing and blocking, unread counts,
reports that show the moderators one message only, the export and the erasure."""

from __future__ import annotations

import json
import zipfile

from sqlalchemy import select

from forum.extensions import db
from forum.models import Conversation, Message, Notification, Role, User
from forum.services import erasure, exports, messages, moderation
from forum.services.moderation import Grounds
from tests.factories import PASSWORD, make_post, make_user, open_session


def _as(app, user_id: int):
    client = app.test_client()
    with app.app_context(), client.session_transaction() as session:
        session["_user_id"] = open_session(db.session.get(User, user_id))
    return client


def _members(app, *names: str) -> list[int]:
    with app.app_context():
        return [make_user(username=name).id for name in names]


def _start(app, sender_id: int, to: str, body: str = "Bonjour, une question sur ta maquette."):
    return _as(app, sender_id).post(
        "/me/messages/new", data={"to": to, "title": "Ta maquette de 2025", "body": body}
    )


def test_a_conversation_is_seen_by_its_members_only(app, client):
    alice, bruno, chloe, dan = _members(app, "alice-ebene", "bruno-ebene", "chloe-ebene", "dan")
    with app.app_context():
        moderator_id = make_user(role=Role.MODERATOR).id

    started = _start(app, alice, "bruno-ebene, @chloe-ebene")
    path = started.location
    for member in (alice, bruno, chloe):
        page = _as(app, member).get(path).get_data(as_text=True)
        assert "Bonjour, une question sur ta maquette." in page and "chloe-ebene" in page

    assert started.status_code == 302 and path.startswith("/me/messages/")
    assert _as(app, dan).get(path).status_code == 404
    assert _as(app, moderator_id).get(path).status_code == 404  # moderators do not read them
    assert client.get(path).status_code == 302  # to the login page
    assert "Ta maquette de 2025" not in _as(app, dan).get("/me/messages").get_data(as_text=True)


def test_unread_messages_are_counted_in_the_header_until_read(app, client):
    alice, bruno = _members(app, "alice-compte", "bruno-compte")
    path = _start(app, alice, "bruno-compte").location
    reader = _as(app, bruno)

    before = reader.get("/").get_data(as_text=True)
    listed = reader.get("/me/messages").get_data(as_text=True)
    reader.get(path)
    after = reader.get("/").get_data(as_text=True)

    assert "Messages (1 non lu)" in before and "1 non lu" in listed
    assert "non lu" not in after
    assert "non lu" not in _as(app, alice).get("/").get_data(as_text=True)  # her own message


def test_a_member_who_refuses_messages_or_blocks_the_sender_gets_none(app, client):
    alice, bruno, chloe = _members(app, "alice-refus", "bruno-refus", "chloe-refus")
    _as(app, bruno).post("/me/messages/settings", data={})  # unchecked: refuses
    _as(app, chloe).post("/u/alice-refus/block", data={"block": "1"})

    refused = _start(app, alice, "bruno-refus")
    blocked = _start(app, alice, "chloe-refus")
    profile = _as(app, alice).get("/u/bruno-refus").get_data(as_text=True)

    assert refused.status_code == blocked.status_code == 400
    page = refused.get_data(as_text=True)
    assert "n&#39;accepte pas de messages privés" in page
    assert "Bonjour, une question sur ta maquette." in page  # the text is kept
    assert "Envoyer un message" not in profile
    with app.app_context():
        assert db.session.scalar(select(Conversation.id)) is None


def test_a_blocked_member_no_longer_reaches_by_mention_and_unblocking_restores(app, client):
    alice, bruno = _members(app, "alice-bloque", "bruno-bloque")
    _as(app, bruno).post("/u/alice-bloque/block", data={"block": "1"})
    with app.app_context():
        make_post(author=db.session.get(User, alice), body="Coucou @bruno-bloque")
        assert (
            db.session.scalar(select(Notification.id).where(Notification.user_id == bruno)) is None
        )
    _as(app, bruno).post("/u/alice-bloque/block", data={"block": "0"})
    with app.app_context():
        make_post(author=db.session.get(User, alice), body="Encore @bruno-bloque")
        kinds = db.session.scalars(select(Notification.kind).where(Notification.user_id == bruno))
        assert list(kinds) == ["mention"]


def test_bad_recipients_get_a_french_message_next_to_the_field(app, client):
    (alice,) = _members(app, "alice-erreurs")
    crowd = ", ".join(f"membre-{n}" for n in range(10))

    answers = {
        "": _start(app, alice, ""),
        "inconnu": _start(app, alice, "personne-de-ce-nom"),
        "soi": _start(app, alice, "alice-erreurs"),
        "foule": _start(app, alice, crowd),
        "vide": _start(app, alice, "alice-erreurs", body="   "),
    }

    texts = {key: answer.get_data(as_text=True) for key, answer in answers.items()}
    assert {answer.status_code for answer in answers.values()} == {400}
    assert "Indiquez à qui écrire" in texts[""]
    assert "Aucun membre ne s&#39;appelle personne-de-ce-nom" in texts["inconnu"]
    assert "au moins un autre membre" in texts["soi"]
    assert "au plus 10 membres" in texts["foule"]
    assert "ne peut pas être vide" in texts["vide"]


def test_a_reported_message_is_shown_to_the_moderators_alone_then_removed(app, client):
    alice, bruno = _members(app, "alice-signale", "bruno-signale")
    path = _start(app, alice, "bruno-signale", body="Un message tout à fait correct.").location
    _as(app, alice).post(path, data={"body": "Tu vas le regretter."})
    with app.app_context():
        bad = db.session.scalar(select(Message).where(Message.source.startswith("Tu vas")))
        bad_id = bad.id
        moderator = make_user(role=Role.MODERATOR)
        moderator_id = moderator.id
    own = _as(app, alice).post(f"/me/messages/m/{bad_id}/report", data={"reason": "harassment"})
    reported = _as(app, bruno).post(
        f"/me/messages/m/{bad_id}/report", data={"reason": "harassment", "comment": "Menace."}
    )
    moderator_client = _as(app, moderator_id)
    queue = moderator_client.get("/mod/reports").get_data(as_text=True)
    removed = moderator_client.post(
        f"/mod/messages/{bad_id}/remove",
        data={
            "reason": "Menace envers un membre",
            "rule": "respect",
            "detection": "report",
        },
    )
    conversation = _as(app, bruno).get(path).get_data(as_text=True)

    assert own.status_code == 403 and reported.status_code == 302
    assert "Tu vas le regretter." in queue and "tout à fait correct" not in queue
    assert removed.status_code == 302
    assert "Message retiré par la modération." in conversation
    assert "Tu vas le regretter." not in conversation
    with app.app_context():
        told = db.session.execute(select(Notification.user_id, Notification.kind)).all()
        assert (bruno, "report_outcome") in told and (alice, "moderation") in told
        assert moderation.reported_message(db.session.get(User, moderator_id), bad_id) is None


def test_the_export_has_the_members_conversations_and_own_messages_only(app_ctx):
    alice = make_user(username="alice-export")
    bruno = make_user(username="bruno-export")
    conversation = messages.start(alice, to="bruno-export", title="Financer", body="Mon texte.")
    messages.reply(bruno, conversation, body="Le texte de Bruno.")

    archive = exports.request_export(alice)
    data = json.loads(zipfile.ZipFile(exports.archive_path(alice, archive.id)).read("data.json"))

    (exported,) = data["conversations"]
    assert exported["title"] == "Financer"
    assert exported["participants"] == ["alice-export", "bruno-export"]
    assert [m["text"] for m in exported["my_messages"]] == ["Mon texte."]
    assert "Le texte de Bruno." not in json.dumps(data)


def test_the_erasure_removes_the_members_words_and_leaves_a_former_member(
    app, client, time_machine
):
    time_machine.move_to("2026-06-01 10:00", tick=True)
    alice, bruno = _members(app, "alice-efface", "bruno-reste")
    path = _start(app, alice, "bruno-reste", body="Mon numéro est le 06 12 34 56 78.").location
    _as(app, bruno).post(path, data={"body": "Merci, je t'appelle."})
    with app.app_context():
        member = db.session.get(User, alice)
        erasure.schedule_erasure(member, password=PASSWORD, content="anonymise")
        time_machine.shift(60 * 60 * 24 * 8)
        erasure.run_due_erasures()

    page = _as(app, bruno).get(path).get_data(as_text=True)

    assert "06 12 34 56 78" not in page and "Ancien membre" in page
    assert "Merci, je t'appelle." in page
    with app.app_context():
        sources = set(db.session.scalars(select(Message.source)))
        assert sources == {"[message supprimé : membre effacé]", "Merci, je t'appelle."}


def test_a_member_blocked_by_another_can_no_longer_write_in_their_conversation(app, client):
    alice, bruno = _members(app, "alice-avant", "bruno-apres")
    path = _start(app, alice, "bruno-apres").location
    _as(app, bruno).post("/u/alice-avant/block", data={"block": "1"})
    writer = _as(app, alice)

    refused = writer.post(path, data={"body": "Tu es là ?"})
    page = writer.get(path).get_data(as_text=True)

    assert refused.status_code == 400
    assert "vous a bloqué" in refused.get_data(as_text=True)
    assert "Tu es là ?" in refused.get_data(as_text=True)  # the text is kept
    assert 'name="body"' not in page  # no form to write with


def test_a_removed_message_loses_its_words(app_ctx):
    alice, bruno = make_user(), make_user()
    messages.start(alice, to=bruno.username, title="Sujet", body="Insulte.")
    (message,) = db.session.scalars(select(Message)).all()
    moderation.report_message(bruno, message, reason="harassment", member_ids={alice.id, bruno.id})

    moderation.remove_message(
        make_user(role=Role.MODERATOR), message, Grounds("Insulte", "respect", "report")
    )

    assert (message.source, message.html) == ("", "") and message.removed_at


def test_a_new_message_is_told_grouped_mailed_with_consent_and_read_with_the_talk(app, outbox):
    from forum.services import consents

    alice, bruno = _members(app, "alice-avis", "bruno-avis")
    with app.app_context():
        member_email = "bruno-avis@exemple.fr"
        consents.set_consent(db.session.get(User, bruno), "email_notifications", True, via="t")
    path = _start(app, alice, "bruno-avis", body="Premier message.").location
    _as(app, alice).post(path, data={"body": "Deuxième message."})
    reader = _as(app, bruno)

    inbox = reader.get("/me/notifications").get_data(as_text=True)
    reader.get(path)
    after = reader.get("/me/notifications").get_data(as_text=True)

    assert "2 nouveaux messages privés dans « Ta maquette de 2025 »" in inbox
    assert "Notifications (1 nouvelle)" in inbox and "nouvelle)" not in after
    outbox.last_link(member_email, "/me/unsubscribe/")  # waits for the mail to be written
    mails = outbox.to(member_email)
    assert len(mails) == 1 and "Nouveau message privé" in mails[0]["Subject"]
    assert "Premier message." not in mails[0].get_content()  # the words stay on the forum
    with app.app_context():
        assert (
            db.session.scalar(select(Notification.id).where(Notification.user_id == alice)) is None
        )
