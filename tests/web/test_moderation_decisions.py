"""Statements of reasons, appeals, notifications, moderator edits, thread moves/merges/splits and
the approval queue for new members."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Appeal, ModerationAction, Notification, Post, Role, Thread, Topic, User
from forum.services import erasure, exports, moderation, posting, taxonomy
from forum.services.moderation import Grounds
from tests.factories import PASSWORD, make_post, make_thread, make_user, open_session


def client_of(app, user_id: int):
    """A browser logged in as the user USER_ID."""
    client = app.test_client()
    with app.app_context():
        session_id = open_session(db.session.get(User, user_id))
    with client.session_transaction() as session:
        session["_user_id"] = session_id
    return client


@pytest.fixture
def cast(app):
    """An author's post, two moderators, and the ids of it all."""
    with app.app_context():
        author = make_user(username="auteur")
        post = make_post(author=author, body="Le juré X habite à Lyon, quel **nul**")
        first = make_user(role=Role.MODERATOR, username="modo-un")
        second = make_user(role=Role.MODERATOR, username="modo-deux")
        return {
            "author": author.id,
            "post": post.id,
            "thread": post.thread_id,
            "first": first.id,
            "second": second.id,
        }


def _text(response) -> str:
    return response.get_data(as_text=True)


def test_a_hidden_post_comes_with_a_statement_and_another_moderator_decides_the_appeal(app, cast):
    first, second = client_of(app, cast["first"]), client_of(app, cast["second"])
    author = client_of(app, cast["author"])

    first.post(
        f"/mod/posts/{cast['post']}/hide",
        data={"reason": "Moquerie envers un juré", "rule": "respect", "detection": "moderator"},
    )
    header = _text(author.get("/"))
    inbox = _text(author.get("/me/notifications"))
    with app.app_context():
        action_id = db.session.scalar(select(ModerationAction.id))

    assert "Notifications (1 nouvelle)" in header
    assert "Votre message a été masqué." in inbox and "Moquerie envers un juré" in inbox
    assert "Règle 1 : Respect des personnes" in inbox and "lecture d'un modérateur" in inbox

    page = _text(author.get(f"/me/decisions/{action_id}"))
    too_short = author.post(f"/me/decisions/{action_id}/appeal", data={"text": "Non"})
    sent = author.post(
        f"/me/decisions/{action_id}/appeal",
        data={"text": "Je ne visais personne, c'était de l'humour entre collègues."},
    )
    again = author.post(f"/me/decisions/{action_id}/appeal", data={"text": "Encore une fois !"})

    assert "Envoyer ma contestation" in page and "Notifications (1" not in _text(author.get("/"))
    assert too_short.status_code == 400 and 'id="text-error"' in _text(too_short)
    assert "Non</textarea>" in _text(too_short)
    assert sent.status_code == 302 and again.status_code == 403

    queue = _text(first.get("/mod/appeals"))
    with app.app_context():
        appeal_id = db.session.scalar(select(Appeal.id))
    by_the_same = first.post(
        f"/mod/appeals/{appeal_id}/decide", data={"decision": "upheld", "reason": "Je maintiens"}
    )
    incomplete = second.post(f"/mod/appeals/{appeal_id}/decide", data={"reason": "Pas de choix"})
    decided = second.post(
        f"/mod/appeals/{appeal_id}/decide",
        data={"decision": "overturned", "reason": "Pas d'attaque personnelle à mon sens."},
    )

    assert "de l&#39;humour entre collègues" in queue and "un autre modérateur tranchera" in queue
    assert by_the_same.status_code == 403
    assert incomplete.status_code == 400 and "Maintenez ou annulez" in _text(incomplete)
    assert decided.status_code == 302
    seen_by_anyone = _text(app.test_client().get(f"/p/{cast['post']}", follow_redirects=True))
    assert "quel <strong>nul</strong>" in seen_by_anyone  # the hiding is undone
    decision_page = _text(author.get(f"/me/decisions/{action_id}"))
    assert "Décision annulée" in decision_page and "Pas d&#39;attaque personnelle" in decision_page
    assert "la décision est annulée" in _text(author.get("/me/notifications"))
    with app.app_context():
        actions = list(db.session.scalars(select(ModerationAction.action)))
        assert actions == ["hide_post", "appeal_overturned"]


def test_an_action_against_a_member_names_a_rule_and_a_failed_form_keeps_what_was_typed(app, cast):
    first = client_of(app, cast["first"])

    refused = first.post(
        f"/mod/posts/{cast['post']}/delete", data={"reason": "Propos sur un juré", "rule": ""}
    )
    nothing_to_restore = first.post(
        f"/mod/posts/{cast['post']}/restore", data={"reason": "Rien à masquer", "rule": ""}
    )
    first.post(f"/mod/posts/{cast['post']}/hide", data={"reason": "Nom", "rule": "privacy"})
    restored = first.post(
        f"/mod/posts/{cast['post']}/restore", data={"reason": "Rien à masquer", "rule": ""}
    )

    assert refused.status_code == 400
    assert 'id="delete-rule-error"' in _text(refused) and "Propos sur un juré" in _text(refused)
    assert nothing_to_restore.status_code == 400 and "n'est pas masqué" in _text(
        nothing_to_restore
    ).replace("&#39;", "'")
    assert restored.status_code == 302  # restoring is not against the member: no rule needed
    with app.app_context():
        assert db.session.get(Post, cast["post"]).deleted_at is None


def test_the_rule_comes_from_the_reports_when_acting_from_the_queue(app_ctx, cast):
    post = db.session.get(Post, cast["post"])
    moderation.report_post(make_user(), post, reason="personal_data")

    moderation.hide_post(db.session.get(User, cast["first"]), post, Grounds("Nom d'un juré"))

    entry = db.session.scalar(select(ModerationAction))
    assert (entry.rule, entry.detection) == ("privacy", "report")


def test_an_appeal_is_possible_for_thirty_days_only(app, cast, time_machine):
    time_machine.move_to("2026-03-01 10:00", tick=False)
    with app.app_context():
        moderation.sanction(
            db.session.get(User, cast["first"]),
            db.session.get(User, cast["author"]),
            "warn",
            Grounds("Ton agressif", "respect"),
        )
        action_id = db.session.scalar(select(ModerationAction.id))

    time_machine.move_to("2026-04-02 10:00", tick=False)
    author = client_of(app, cast["author"])
    page = _text(author.get(f"/me/decisions/{action_id}"))
    late = author.post(f"/me/decisions/{action_id}/appeal", data={"text": "Je conteste ceci."})

    assert "Le délai pour contester cette décision est passé." in page
    assert late.status_code == 403


def test_overturning_a_suspension_lets_the_member_post_again(app_ctx, cast):
    first, second = db.session.get(User, cast["first"]), db.session.get(User, cast["second"])
    member = db.session.get(User, cast["author"])
    entry = moderation.sanction(first, member, "suspend", Grounds("Spam", "advertising"), days=7)
    contest = moderation.appeal(member, entry, text="Ce n'était pas de la publicité.")

    moderation.decide_appeal(second, contest, decision="overturned", reason="Erreur de lecture")

    assert not member.is_suspended
    assert posting.reply(member, db.session.get(Thread, cast["thread"]), body="Merci").id


def test_a_moderator_edit_keeps_the_history_and_shows_the_note(app, cast):
    first = client_of(app, cast["first"])

    form = _text(first.get(f"/mod/posts/{cast['post']}/edit"))
    done = first.post(
        f"/mod/posts/{cast['post']}/edit",
        data={
            "body": "Le juré habite à Lyon, quel nul",
            "reason": "Nom du juré retiré",
            "rule": "privacy",
        },
    )
    thread = _text(app.test_client().get(f"/p/{cast['post']}", follow_redirects=True))

    assert "Le juré X habite" in form and done.status_code == 302
    assert "Modifié par la modération : Nom du juré retiré" in thread
    assert "juré X" not in thread
    with app.app_context():
        history = posting.list_revisions(db.session.get(Post, cast["post"]))
        assert [revision.source for revision in history] == [
            "Le juré X habite à Lyon, quel **nul**"
        ]
        statements = select(func.count()).where(Notification.kind == "moderation")
        assert db.session.scalar(statements) == 1


def test_a_moderator_deletion_shows_its_reason(app, cast):
    first = client_of(app, cast["first"])

    first.post(
        f"/mod/posts/{cast['post']}/delete",
        data={"reason": "Attaque personnelle", "rule": "respect"},
    )
    page = _text(app.test_client().get(f"/p/{cast['post']}", follow_redirects=True))

    assert "Message supprimé par la modération. Raison : Attaque personnelle" in page
    assert "habite à Lyon" not in page


def test_moving_a_thread_changes_its_topic_and_the_counters(app, cast):
    first = client_of(app, cast["first"])
    with app.app_context():
        target = (
            taxonomy.get_topic("dossier-et-maquette")
            or db.session.scalars(select(Topic).where(Topic.slug != "financement")).first()
        )
        target_id, target_slug = target.id, target.slug
        before = target.thread_count

    unknown = first.post(
        f"/mod/threads/{cast['thread']}/move",
        data={"topic": "999999", "reason": "Mauvais sujet", "rule": "on_topic"},
    )
    moved = first.post(
        f"/mod/threads/{cast['thread']}/move",
        data={"topic": str(target_id), "reason": "Mauvais sujet", "rule": "on_topic"},
    )

    assert unknown.status_code == 400 and 'id="move-topic-error"' in _text(unknown)
    assert moved.status_code == 302
    with app.app_context():
        assert db.session.get(Topic, target_id).thread_count == before + 1
        assert db.session.get(Thread, cast["thread"]).topic_id == target_id
    listing = _text(app.test_client().get(f"/topics/{target_slug}"))
    assert f"/t/{cast['thread']}-" in listing


def test_merging_moves_the_posts_and_the_old_address_follows(app, cast):
    with app.app_context():
        other = make_thread(title="Le même sujet, ailleurs", body="Premier mot ailleurs")
        reply = make_post(thread=other, body="Réponse ailleurs")
        other_id, reply_id = other.id, reply.id
    first = client_of(app, cast["first"])

    same = first.post(
        f"/mod/threads/{other_id}/merge",
        data={"target": str(other_id), "reason": "Doublon", "rule": "on_topic"},
    )
    merged = first.post(
        f"/mod/threads/{other_id}/merge",
        data={
            "target": f"http://localhost/t/{cast['thread']}-x",
            "reason": "Doublon",
            "rule": "on_topic",
        },
    )
    old_address = app.test_client().get(f"/t/{other_id}")
    page = _text(app.test_client().get(f"/t/{cast['thread']}", follow_redirects=True))

    assert same.status_code == 400 and "une autre discussion" in _text(same)
    assert merged.status_code == 302
    assert old_address.status_code == 301 and f"/t/{cast['thread']}-" in old_address.location
    assert "Premier mot ailleurs" in page and "Réponse ailleurs" in page
    with app.app_context():
        thread = db.session.get(Thread, cast["thread"])
        assert thread.post_count == 4 and db.session.get(Post, reply_id).thread_id == thread.id
        assert db.session.get(Thread, other_id) is None


def test_splitting_moves_the_chosen_posts_into_a_new_thread(app, cast):
    with app.app_context():
        thread = db.session.get(Thread, cast["thread"])
        aside = make_post(thread=thread, body="Petite parenthèse sur le FAFCEA")
        aside_id, first_id = aside.id, posting.first_post_id(thread)
    first = client_of(app, cast["first"])

    chooser = _text(first.get(f"/mod/threads/{cast['thread']}/split"))
    with_opener = first.post(
        f"/mod/threads/{cast['thread']}/split",
        data={
            "posts": [str(first_id)],
            "title": "Le FAFCEA",
            "reason": "Autre sujet",
            "rule": "on_topic",
        },
    )
    done = first.post(
        f"/mod/threads/{cast['thread']}/split",
        data={
            "posts": [str(aside_id)],
            "title": "Le FAFCEA",
            "reason": "Autre sujet",
            "rule": "on_topic",
        },
    )

    assert "Petite parenthèse" in chooser
    assert with_opener.status_code == 400 and "Le premier message reste" in _text(with_opener)
    assert done.status_code == 302
    with app.app_context():
        new = db.session.get(Post, aside_id).thread
        assert new.id != cast["thread"] and new.title == "Le FAFCEA" and new.post_count == 1
        assert db.session.get(Thread, cast["thread"]).post_count == 2


@pytest.fixture
def queued(app_factory):
    return app_factory(MODERATION_NEW_MEMBER_APPROVALS=2)


def test_a_new_members_first_posts_wait_for_a_moderator(queued):
    app = queued
    with app.app_context():
        newcomer = make_user(username="nouveau")
        thread = make_thread(author=newcomer, title="Ma première question", body="Bonjour à tous")
        moderator = make_user(role=Role.MODERATOR)
        ids = {"newcomer": newcomer.id, "thread": thread.id, "moderator": moderator.id}
        ids["post"] = posting.first_post_id(thread)
        topic = thread.topic
        assert thread.is_pending and topic.thread_count == 0
    anonymous = app.test_client()
    author = client_of(app, ids["newcomer"])
    mod = client_of(app, ids["moderator"])

    assert "Ma première question" not in _text(anonymous.get("/"))
    assert anonymous.get(f"/t/{ids['thread']}").status_code == 404
    assert anonymous.get(f"/p/{ids['post']}").status_code == 404
    own_view = _text(author.get(f"/t/{ids['thread']}", follow_redirects=True))
    assert "En attente de validation" in own_view and "Bonjour à tous" in own_view
    assert "Bonjour à tous" in _text(mod.get("/mod/queue"))

    approved = mod.post(f"/mod/posts/{ids['post']}/approve", data={"reason": "Bienvenue"})

    assert approved.status_code == 302
    assert "Ma première question" in _text(anonymous.get("/"))
    with app.app_context():
        assert db.session.get(Thread, ids["thread"]).topic.thread_count == 1
        newcomer = db.session.get(User, ids["newcomer"])
        thread = db.session.get(Thread, ids["thread"])
        second = posting.reply(newcomer, thread, body="Une précision")
        assert second.is_pending and thread.pending_count == 1 and thread.post_count == 1
        moderation.reject_post(
            db.session.get(User, ids["moderator"]),
            second,
            Grounds("Message en double", "on_topic"),
        )
        entry = db.session.scalar(
            select(ModerationAction).where(ModerationAction.action == "reject_post")
        )
        assert entry.detection == "approval"
        third = posting.reply(newcomer, thread, body="Encore une précision")
        assert third.is_pending  # a refused post does not count: one approved so far
        moderation.approve_post(db.session.get(User, ids["moderator"]), third, Grounds("Ok"))
        assert not posting.reply(newcomer, thread, body="Publié tout de suite").is_pending
    page = _text(anonymous.get(f"/t/{ids['thread']}", follow_redirects=True))
    assert "Une précision" not in page and "Encore une précision" in page
    inbox = _text(author.get("/me/notifications"))
    assert "n'a pas été validé" in inbox and "Message en double" in inbox


def test_moderators_and_coet_staff_are_not_queued(queued):
    with queued.app_context():
        for role in (Role.MODERATOR, Role.COET_STAFF):
            assert not make_thread(author=make_user(role=role)).is_pending


def test_erasure_removes_the_notifications_and_keeps_the_appeal_without_the_member(
    app, cast, time_machine
):
    time_machine.move_to("2026-06-01 10:00", tick=True)
    with app.app_context():
        member = db.session.get(User, cast["author"])
        entry = moderation.sanction(
            db.session.get(User, cast["first"]), member, "warn", Grounds("Ton", "respect")
        )
        moderation.appeal(member, entry, text="Je conteste cet avertissement.")
        erasure.schedule_erasure(member, password=PASSWORD, content="anonymise")
        time_machine.shift(60 * 60 * 24 * 8)

        erasure.run_due_erasures()

        statements = select(func.count()).where(Notification.kind == "moderation")
        assert db.session.scalar(statements) == 0  # (others' replies notices are theirs)
        (kept,) = db.session.scalars(select(Appeal)).all()
        assert kept.member_id is None and kept.text == "Je conteste cet avertissement."
        assert db.session.scalar(select(ModerationAction.member_id)) is None
        appeal_id = kept.id
    second = client_of(app, cast["second"])
    listed = second.get("/mod/appeals")
    decided = second.post(
        f"/mod/appeals/{appeal_id}/decide",
        data={"decision": "upheld", "reason": "Le ton reste contraire à la charte."},
    )
    assert listed.status_code == 200 and "Je conteste cet avertissement." in _text(listed)
    assert decided.status_code == 302


def test_the_charter_lists_its_numbered_rules(client):
    page = _text(client.get("/charter"))

    assert re.search(r'id="regle-2".*Vie privée d\'autrui', page, re.S)
    assert page.count('id="regle-') == 7


def test_a_merged_threads_number_is_never_given_again(app_ctx, cast):
    moderator = db.session.get(User, cast["first"])
    target = db.session.get(Thread, cast["thread"])
    merged = make_thread(title="Un doublon de la discussion")
    merged_id = merged.id
    moderation.merge_threads(moderator, merged, target, Grounds("Doublon", "on_topic"))

    newer = make_thread(title="Une toute nouvelle discussion")
    newer_id = newer.id
    moderation.merge_threads(moderator, newer, target, Grounds("Doublon", "on_topic"))

    assert newer_id != merged_id
    assert posting.merged_into(merged_id).id == posting.merged_into(newer_id).id == target.id


def test_merging_and_splitting_tell_every_author_whose_posts_moved(app_ctx, cast):
    moderator = db.session.get(User, cast["first"])
    thread = db.session.get(Thread, cast["thread"])
    aside = make_post(thread=thread, body="Une parenthèse")

    moderation.split_thread(
        moderator,
        thread,
        post_ids=[aside.id],
        title="La parenthèse",
        grounds=Grounds("Autre sujet", "on_topic"),
    )

    statements = select(Notification.user_id).where(Notification.kind == "moderation")
    assert set(db.session.scalars(statements)) == {thread.author_id, aside.author_id}


def test_the_members_export_does_not_name_the_moderators(app_ctx, cast):
    member = db.session.get(User, cast["author"])
    entry = moderation.sanction(
        db.session.get(User, cast["first"]), member, "warn", Grounds("Ton", "respect")
    )
    contest = moderation.appeal(member, entry, text="Je conteste cet avertissement.")
    moderation.decide_appeal(
        db.session.get(User, cast["second"]), contest, decision="upheld", reason="Maintenu"
    )

    tables = exports.export_data(member)["tables"]

    assert tables["appeals"] and tables["moderation_actions"]
    for row in tables["moderation_actions"] + tables["appeals"]:
        assert "moderator_id" not in row and "decider_id" not in row


def test_only_an_admin_decides_an_appeal_against_a_moderators_sanction(app_ctx, cast):
    admin, other_admin = make_user(role=Role.ADMIN), make_user(role=Role.ADMIN)
    sanctioned = db.session.get(User, cast["first"])
    entry = moderation.sanction(admin, sanctioned, "ban", Grounds("Abus", "respect"))
    contest = moderation.appeal(sanctioned, entry, text="Je conteste cette exclusion.")

    with pytest.raises(Exception) as refused:
        moderation.decide_appeal(
            db.session.get(User, cast["second"]), contest, decision="overturned", reason="Non"
        )
    moderation.decide_appeal(other_admin, contest, decision="overturned", reason="Erreur")

    assert type(refused.value).__name__ == "NotAllowed"
    assert not sanctioned.is_suspended


def test_a_hidden_post_cannot_be_quoted_to_read_it(app, cast):
    with app.app_context():
        moderation.hide_post(
            db.session.get(User, cast["first"]),
            db.session.get(Post, cast["post"]),
            Grounds("Nom d'un juré", "privacy"),
        )
        reader = make_user()
        reader_id = reader.id
    client = client_of(app, reader_id)

    page = _text(client.get(f"/t/{cast['thread']}?quote={cast['post']}", follow_redirects=True))
    sent = client.post(f"/t/{cast['thread']}", data={"body": "Cité", "quote_of": str(cast["post"])})

    assert "juré X habite" not in page
    assert sent.status_code == 400 and "juré X habite" not in _text(sent)


def test_a_pending_post_is_only_for_its_author_and_the_moderators(queued):
    app = queued
    with app.app_context():
        thread = make_thread(author=make_user(role=Role.MODERATOR), title="Ouverte à tous")
        newcomer = make_user(username="nouvelle")
        pending = [
            posting.reply(newcomer, thread, body=f"Réponse en attente {n}") for n in range(21)
        ]
        first_pending = pending[0]
        ids = {"thread": thread.id, "post": first_pending.id, "newcomer": newcomer.id}
        reader = make_user()
        ids["reader"] = reader.id
        thread_opener = make_thread(author=newcomer, title="Ma discussion en attente")
        ids["pending_thread"] = thread_opener.id
    reader, author = client_of(app, ids["reader"]), client_of(app, ids["newcomer"])

    listing = _text(reader.get(f"/t/{ids['thread']}", follow_redirects=True))
    report = reader.get(f"/p/{ids['post']}/report")
    own = _text(author.get(f"/t/{ids['thread']}", follow_redirects=True))
    profile = _text(reader.get("/u/nouvelle"))
    own_reply = author.post(f"/t/{ids['pending_thread']}", data={"body": "Je complète"})

    assert "Réponse en attente" not in listing and "Page 1 sur 2" not in listing
    assert report.status_code == 404  # nothing to report: for the reader, it does not exist
    assert "Réponse en attente 0" in own and "Page 1 sur 2" in own
    assert "Ma discussion en attente" not in profile and "Réponse en attente" not in profile
    assert own_reply.status_code == 403  # no reply in a thread not published yet

    with app.app_context():
        newcomer = db.session.get(User, ids["newcomer"])
        posting.delete_post(newcomer, db.session.get(Post, ids["post"]))
        thread = db.session.get(Thread, ids["thread"])
        assert thread.pending_count == 20 == moderation.count_pending_posts() - 1


def test_the_author_still_reads_a_refused_post_and_its_reason(queued):
    app = queued
    with app.app_context():
        thread = make_thread(author=make_user(role=Role.MODERATOR), title="Ouverte à tous")
        newcomer = make_user()
        post = posting.reply(newcomer, thread, body="Mon texte refusé")
        moderation.reject_post(
            make_user(role=Role.MODERATOR), post, Grounds("Hors sujet ici", "on_topic")
        )
        ids = {"thread": thread.id, "newcomer": newcomer.id}

    page = _text(client_of(app, ids["newcomer"]).get(f"/t/{ids['thread']}", follow_redirects=True))

    assert "Message non validé par la modération. Raison : Hors sujet ici" in page
    assert "Mon texte refusé" in page


def test_another_members_decision_answers_like_a_missing_one(app, cast):
    first = client_of(app, cast["first"])
    first.post(
        f"/mod/posts/{cast['post']}/hide",
        data={"reason": "Moquerie envers un juré", "rule": "respect", "detection": "moderator"},
    )
    with app.app_context():
        action_id = db.session.scalar(select(ModerationAction.id))
        curious = make_user(username="curieuse").id
    stranger = client_of(app, curious)

    theirs, missing = stranger.get(f"/me/decisions/{action_id}"), stranger.get("/me/decisions/999")
    appeal = stranger.post(f"/me/decisions/{action_id}/appeal", data={"text": "Je conteste."})

    assert theirs.status_code == missing.status_code == appeal.status_code == 404
    assert _text(theirs).replace(f"/me/decisions/{action_id}", "/me/decisions/999") == _text(
        missing
    )


def test_notifications_come_twenty_a_page_and_the_header_counts_the_unread(app, cast):
    from forum.models import Notification
    from forum.models.base import utcnow

    with app.app_context():
        for _number in range(25):
            db.session.add(
                Notification(user_id=cast["author"], kind="moderation", created_at=utcnow())
            )
        db.session.commit()
    author = client_of(app, cast["author"])

    first = _text(author.get("/me/notifications"))
    second = _text(author.get("/me/notifications?page=2"))
    beyond = author.get("/me/notifications?page=7")

    assert first.count('class="notification unread"') == 20
    assert second.count('class="notification unread"') == 5
    assert "Notifications (25 nouvelles)" in second and "Tout marquer comme lu" in second
    assert beyond.status_code == 302 and beyond.headers["Location"].endswith("page=2")
