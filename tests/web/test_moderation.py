"""Moderation by candidates, walled off from COET staff: reports, hiding, locking, the log."""

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import ModerationAction, Post, Report, Role
from forum.services import accounts, consents, erasure, exports, moderation
from forum.services.moderation import Grounds
from tests.factories import make_post, make_user, open_session

MODERATION_ACCESS = {
    None: 302,
    Role.MEMBER: 403,
    Role.COET_STAFF: 403,
    Role.MODERATOR: 200,
    Role.ADMIN: 200,
}


@pytest.mark.parametrize(("role", "status"), MODERATION_ACCESS.items())
@pytest.mark.parametrize("path", ["/mod/reports", "/mod/log"])
def test_moderation_pages_are_for_moderators_and_admins(login_as, client, role, status, path):
    if role is not None:
        login_as(role)

    assert client.get(path).status_code == status


@pytest.fixture
def reported(app):
    with app.app_context():
        author = make_user(username="auteur", email="auteur@exemple.fr")
        consents.set_consent(author, "email_notifications", True, via="test")
        post = make_post(author=author, body="Un message **désagréable**")
        return {
            "post": post.id,
            "thread": post.thread_id,
            "path": f"/t/{post.thread_id}-{post.thread.slug}",
        }


def test_a_member_reports_a_moderator_hides_the_author_is_told_and_the_log_shows_it(
    app, client, login_as, reported, outbox
):
    reporter = login_as()
    client.post(
        f"/p/{reported['post']}/report", data={"reason": "harassment", "comment": "Insultant"}
    )
    moderator_client = app.test_client()
    with app.app_context():
        moderator = make_user(role=Role.MODERATOR, username="camille")
        session_id = open_session(moderator)
    with moderator_client.session_transaction() as session:
        session["_user_id"] = session_id

    queue = moderator_client.get("/mod/reports").get_data(as_text=True)
    moderator_client.post(
        f"/mod/posts/{reported['post']}/hide", data={"reason": "Propos insultants envers un juré"}
    )
    seen_by_others = app.test_client().get(reported["path"]).get_data(as_text=True)
    log = moderator_client.get("/mod/log").get_data(as_text=True)

    assert reporter.username in queue and "Insultant" in queue
    # The queue names the thread and links to it.
    assert "Dans « Financer sa préparation avec le CPF »" in queue
    assert f'href="{reported["path"]}"' in queue
    assert "Signalements (1)" in queue
    assert "Harcèlement ou insulte" in queue
    assert (
        "Message masqué par la modération" in seen_by_others and "désagréable" not in seen_by_others
    )
    assert "Propos insultants envers un juré" in seen_by_others
    mail = outbox.to("auteur@exemple.fr")[-1].get_content()
    assert "Propos insultants" in mail and reporter.username not in mail
    # The statement of reasons: the rule (from the report's reason), how it was seen, the appeal.
    assert "Règle 1 : Respect des personnes" in mail and "le signalement d'un membre" in mail
    assert "contester" in mail and "/me/decisions/" in mail
    assert "hide_post" in log and "camille" in log
    assert "Aucun signalement en attente." in moderator_client.get("/mod/reports").get_data(
        as_text=True
    )


def test_the_author_still_sees_their_hidden_post(app, client, reported):
    with app.app_context():
        post = db.session.get(Post, reported["post"])
        moderation.hide_post(
            make_user(role=Role.MODERATOR), post, Grounds("Hors sujet", "on_topic")
        )
        session_id = open_session(post.author)
    with client.session_transaction() as session:
        session["_user_id"] = session_id

    page = client.get(reported["path"]).get_data(as_text=True)

    assert "désagréable" in page and "Masqué par la modération" in page


def test_one_open_report_per_member_and_post(app_ctx, reported):
    member = make_user()
    post = db.session.get(Post, reported["post"])
    moderation.report_post(member, post, reason="spam")

    with pytest.raises(Exception) as error:
        moderation.report_post(member, post, reason="spam")

    assert "déjà signalé" in str(error.value)


@pytest.mark.parametrize("role", [Role.MEMBER, Role.COET_STAFF])
@pytest.mark.parametrize(
    "action",
    [
        "posts/{post}/hide",
        "posts/{post}/restore",
        "posts/{post}/dismiss",
        "threads/{thread}/lock",
        "threads/{thread}/pin",
    ],
)
def test_members_and_coet_staff_get_403_on_every_moderation_control(
    login_as, client, reported, role, action
):
    login_as(role)

    response = client.post("/mod/" + action.format(**reported), data={"reason": "Essai"})

    assert response.status_code == 403


def test_coet_staff_see_no_report_nor_moderation_control(app, login_as, client, reported):
    with app.app_context():
        moderation.report_post(make_user(), db.session.get(Post, reported["post"]), reason="spam")
    login_as(Role.COET_STAFF)

    page = client.get(reported["path"]).get_data(as_text=True)

    assert "/mod/" not in page and "Modération" not in page


def test_a_locked_thread_takes_no_reply(app, login_as, client, reported):
    with app.app_context():
        thread = db.session.get(Post, reported["post"]).thread
        moderation.change_thread(
            make_user(role=Role.MODERATOR), thread, "lock", Grounds("Débat clos", "on_topic")
        )
    login_as()

    response = client.post(f"/t/{reported['thread']}", data={"body": "Encore un mot"})

    assert response.status_code == 403
    assert "Discussion fermée" in client.get(reported["path"]).get_data(as_text=True)


def test_an_action_without_a_reason_is_refused(app_ctx, reported):
    with pytest.raises(Exception) as error:
        moderation.hide_post(
            make_user(role=Role.MODERATOR),
            db.session.get(Post, reported["post"]),
            Grounds(" ", "respect"),
        )

    assert "raison" in str(error.value)
    assert db.session.scalar(select(ModerationAction)) is None


def test_the_reporter_is_not_in_the_reported_members_export(app_ctx, reported):

    reporter = make_user(username="temoin", email="temoin@exemple.fr")
    post = db.session.get(Post, reported["post"])
    moderation.report_post(reporter, post, reason="spam", comment="Vu hier")

    data = exports.export_data(post.author)

    assert "temoin" not in str(data) and "Vu hier" not in str(data)
    assert "reports" not in data["tables"]


def test_set_role_refuses_to_make_coet_staff_a_moderator_or_admin(app, runner):
    with app.app_context():
        make_user(username="coet", role=Role.COET_STAFF)

    to_moderator = runner.invoke(args=["users", "set-role", "coet", "moderator"])
    to_admin = runner.invoke(args=["users", "set-role", "coet", "admin"])

    assert to_moderator.exit_code != 0 and "COET-MOF" in to_moderator.output
    assert to_admin.exit_code != 0
    with app.app_context():
        assert accounts.get_user_by_username("coet").role is Role.COET_STAFF


def test_the_model_refuses_a_coet_staff_moderator(app_ctx):
    staff = make_user(role=Role.COET_STAFF)

    with pytest.raises(ValueError):
        staff.role = Role.MODERATOR


def test_an_erased_reporter_and_moderator_leave_an_anonymous_log(app_ctx, reported, time_machine):
    from tests.factories import PASSWORD

    time_machine.move_to("2026-06-01 10:00", tick=True)
    post = db.session.get(Post, reported["post"])
    author = post.author
    moderation.report_post(make_user(), post, reason="spam")
    moderation.hide_post(make_user(role=Role.MODERATOR), post, Grounds("Spam"))
    erasure.schedule_erasure(author, password=PASSWORD, content="anonymise")
    time_machine.shift(60 * 60 * 24 * 8)

    erasure.run_due_erasures()

    entry = db.session.scalar(select(ModerationAction))
    assert entry.member_id is None and entry.reason == "Spam"
    assert db.session.scalar(select(Report)) is not None  # others' reports of the post remain


def test_a_suspended_member_reads_and_exports_but_cannot_post(
    app, login_as, client, reported, outbox
):
    member = login_as()
    with app.app_context():
        target = accounts.get_user_by_username(member.username)
        moderation.sanction(
            make_user(role=Role.MODERATOR),
            target,
            "suspend",
            Grounds("Spam répété", "advertising"),
            days=7,
        )

    reading = client.get(reported["path"]).status_code
    posting = client.post(f"/t/{reported['thread']}", data={"body": "Je reviens"}).status_code
    rights = client.post("/me/privacy/export").status_code

    notices = client.get("/me/notifications").get_data(as_text=True)

    assert (reading, posting, rights) == (200, 403, 302)
    assert "Vous ne pouvez plus publier" in notices and "Spam répété" in notices
    assert "Jusqu&#39;au" in notices or "Jusqu'au" in notices
    # No e-mail about it without the member's consent to e-mail notifications.
    assert not any("modération" in message["Subject"] for message in outbox.messages)


def test_a_suspension_needs_a_duration_and_a_reason(app_ctx):
    with pytest.raises(Exception) as error:
        moderation.sanction(
            make_user(role=Role.MODERATOR), make_user(), "suspend", Grounds("Spam", "advertising")
        )

    assert "durée" in str(error.value)


def test_moderators_cannot_sanction_each_other_but_admins_can(app_ctx):
    first, second = make_user(role=Role.MODERATOR), make_user(role=Role.MODERATOR)

    with pytest.raises(Exception) as refused:
        moderation.sanction(first, second, "warn", Grounds("Essai", "respect"))
    moderation.sanction(make_user(role=Role.ADMIN), second, "warn", Grounds("Rappel", "respect"))

    assert type(refused.value).__name__ == "NotAllowed"


def test_moderator_notes_are_for_moderators_and_in_the_members_export(app, login_as, client):

    with app.app_context():
        member = make_user(username="noemie")
        moderation.add_note(
            make_user(role=Role.MODERATOR), member, text="Prévenue en privé le 3 mars"
        )
    login_as(Role.MODERATOR)

    page = client.get("/mod/members/noemie").get_data(as_text=True)
    with app.app_context():
        exported = str(exports.export_data(accounts.get_user_by_username("noemie")))

    assert "Prévenue en privé le 3 mars" in page and "Prévenue en privé le 3 mars" in exported
    assert "noemie@exemple.fr" not in page  # moderators never see an e-mail address


def test_redaction_rewrites_the_post_and_its_history_and_logs_no_text(app, login_as, client):
    with app.app_context():
        author = make_user(username="bavard")
        post = make_post(author=author, body="Mon voisin habite 12 rue des Lilas à Lyon.")
        from forum.services import posting

        posting.edit_post(author, post, body="Mon voisin habite 12 rue des Lilas à Lyon, au 3e.")
        post_id = post.id
    login_as(Role.MODERATOR)

    refused = client.post(
        f"/mod/posts/{post_id}/redact",
        data={"passage": "absent", "reason": "x", "rule": "privacy"},
    )
    done = client.post(
        f"/mod/posts/{post_id}/redact",
        data={
            "passage": "12 rue des Lilas à Lyon",
            "reason": "Adresse d'un tiers",
            "rule": "privacy",
        },
    )

    assert refused.status_code == 400 and 'id="passage-error"' in refused.get_data(as_text=True)
    assert done.status_code == 302
    with app.app_context():
        from tests.gdpr.conftest import dump

        everything = dump()
        assert "rue des Lilas" not in everything
        assert "[passage retiré par la modération]" in db.session.get(Post, post_id).source
        entry = db.session.scalar(select(ModerationAction))
        assert entry.action == "redact_post" and "Lilas" not in entry.reason
