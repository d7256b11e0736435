"""Being told: mentions, quotes, replies in followed threads, reactions, solutions, new threads
in followed topics and trades, report outcomes; per-kind settings, e-mail only with consent,
the daily digest and the one-click unsubscribe; unread tracking."""

from __future__ import annotations

import re

from rq import SimpleWorker
from sqlalchemy import func, select

from forum import jobs, policy
from forum.extensions import db
from forum.models import Follow, Notification, Post, Reaction, Role, Thread, User
from forum.services import (
    consents,
    follows,
    moderation,
    notifications,
    posting,
    reactions,
    solutions,
)
from forum.services.moderation import Grounds
from tests.factories import make_post, make_thread, make_user, open_session


def _as(app, user_id: int):
    """A client signed in as the member USER_ID."""
    client = app.test_client()
    with app.app_context(), client.session_transaction() as session:
        session["_user_id"] = open_session(db.session.get(User, user_id))
    return client


def _kinds(user_id: int) -> list[tuple[str, int]]:
    rows = db.session.execute(
        select(Notification.kind, Notification.count)
        .where(Notification.user_id == user_id)
        .order_by(Notification.id)
    )
    return [tuple(row) for row in rows]


def _consent(user: User) -> None:
    consents.set_consent(user, "email_notifications", True, via="test")


# --- mentions and quotes -------------------------------------------------------------------


def test_a_mention_links_to_the_profile_and_tells_the_member(app, client):
    with app.app_context():
        named = make_user(username="lucie-doreuse")
        post = make_post(body="Demandez à @Lucie-Doreuse, elle a eu le FAFCEA.")
        named_id, post_id = named.id, post.id

        assert _kinds(named_id) == [("mention", 1)]
    page = client.get(f"/p/{post_id}", follow_redirects=True).get_data(as_text=True)
    inbox = _as(app, named_id).get("/me/notifications").get_data(as_text=True)

    assert '<a href="/u/lucie-doreuse" class="mention"' in page
    assert "vous a mentionné dans « Financer sa préparation avec le CPF »" in inbox
    notice_id = re.search(r'href="/me/notifications/(\d+)"', inbox).group(1)
    opened = _as(app, named_id).get(f"/me/notifications/{notice_id}")
    assert opened.location.endswith(f"/p/{post_id}")


def test_no_one_is_told_by_a_name_in_code_a_quote_a_link_an_address_or_for_nobody(app_ctx):
    named = make_user(username="paul-forgeron")
    body = (
        "> @paul-forgeron disait ceci\n\n"
        "`@paul-forgeron` et\n\n    @paul-forgeron\n\n"
        "[@paul-forgeron](https://exemple.fr) paul@paul-forgeron.fr @personne-inconnue"
    )
    post = make_post(body=body)

    assert _kinds(named.id) == []
    assert "/u/personne-inconnue" not in post.html
    assert post.html.count('class="mention"') == 1  # the quoted one is a link, not a notice


def test_an_edit_tells_only_the_members_it_newly_names(app_ctx):
    first, second = make_user(username="anne-vitrail"), make_user(username="marc-vitrail")
    post = make_post(body="Merci @anne-vitrail.")

    posting.edit_post(post.author, post, body="Merci @anne-vitrail et @marc-vitrail.")

    assert _kinds(first.id) == [("mention", 1)] and _kinds(second.id) == [("mention", 1)]


def test_a_quote_tells_the_quoted_author_once(app_ctx):
    quoted = make_post(body="Le positionnement dure une journée.")
    reply = posting.reply(
        make_user(),
        quoted.thread,
        body=posting.quote_markdown(quoted) + "Et la suite ?",
        quoted_post_id=quoted.id,
    )

    # Quoted (not "mentioned" by the quote's header), and, following the thread, no reply notice.
    assert _kinds(quoted.author_id) == [("quote", 1)]
    assert reply.quoted_post_id == quoted.id


def test_a_pending_post_tells_nobody_until_a_moderator_approves_it(app_factory):
    app = app_factory(MODERATION_NEW_MEMBER_APPROVALS=1)
    with app.app_context():
        named = make_user(username="odile-tailleuse")
        thread = make_thread(author=make_user(role=Role.MODERATOR))
        newcomer = make_user()
        post = posting.reply(newcomer, thread, body="Bonjour @odile-tailleuse !")
        assert _kinds(named.id) == [] and _kinds(thread.author_id) == []

        moderation.approve_post(thread.author, post, Grounds("Conforme", None))

        assert _kinds(named.id) == [("mention", 1)]
        assert _kinds(thread.author_id) == [("reply", 1)]


# --- follows and replies -------------------------------------------------------------------


def test_replies_in_a_followed_thread_are_told_grouped_until_read(app_ctx):
    thread = make_thread()  # its author follows it
    make_post(thread=thread)
    make_post(thread=thread)

    assert _kinds(thread.author_id) == [("reply", 2)]

    notifications.mark_read(thread.author)
    make_post(thread=thread)

    assert _kinds(thread.author_id) == [("reply", 2), ("reply", 1)]


def test_posting_follows_the_thread_unless_the_member_chose_not_to(app_ctx):
    thread = make_thread()
    keen, quiet, left = make_user(), make_user(), make_user()
    quiet.follow_on_post = False
    make_post(thread=thread, author=keen)
    make_post(thread=thread, author=quiet)
    make_post(thread=thread, author=left)
    follows.set_following(left, thread, False)  # stops; posting again does not follow anew
    make_post(thread=thread, author=left)

    make_post(thread=thread)

    assert _kinds(keen.id)[-1] == ("reply", 4)  # quiet, left twice, and the last
    assert _kinds(quiet.id) == [] and _kinds(left.id) == []


def test_members_follow_a_topic_or_a_trade_and_hear_of_new_threads(app, client):
    with app.app_context():
        make_thread()  # the taxonomy
        reader = make_user()
        reader_id = reader.id
    reader_client = _as(app, reader_id)

    followed = reader_client.post("/topics/financement/follow", data={"follow": "1"})
    reader_client.post("/trades/ebenisterie/follow", data={"follow": "1"})
    page = reader_client.get("/topics/financement").get_data(as_text=True)
    with app.app_context():
        make_thread(topic="financement", trades=("ebenisterie",), title="Le CPF pour un ébéniste")
        make_thread(topic="deroulement-concours", trades=("ebenisterie",), title="Épreuves")
        make_thread(topic="deroulement-concours", title="Sans lien avec mes choix")

        assert _kinds(reader_id) == [("new_thread", 1), ("new_thread", 1)]
    inbox = reader_client.get("/me/notifications").get_data(as_text=True)

    assert followed.status_code == 302 and "Ne plus suivre" in page
    assert "Nouvelle discussion : « Le CPF pour un ébéniste »" in inbox
    assert "Sans lien" not in inbox


def test_following_needs_a_session_and_a_real_thread(app, client):
    with app.app_context():
        thread = make_thread()
        hidden = posting.create_thread(
            make_user(), title="Pas encore publiée", body="...", topic_id=thread.topic_id
        )
        thread_id, hidden_id = thread.id, hidden.id
        hidden.pending_at = hidden.created_at  # waiting for approval: others cannot open it
        db.session.commit()
        member_id = make_user().id

    anonymous = client.post(f"/t/{thread_id}/follow", data={"follow": "1"})
    other = _as(app, member_id).post(f"/t/{hidden_id}/follow", data={"follow": "1"})

    assert anonymous.status_code == 302 and "/login" in anonymous.location
    assert other.status_code == 404
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(Follow.user_id == member_id)) == 0


# --- reactions -----------------------------------------------------------------------------


def test_reactions_are_counted_listed_and_grouped_in_one_notice(app, client):
    with app.app_context():
        post = make_post(body="Mon dossier a été accepté du premier coup.")
        author_id, post_id = post.author_id, post.id
        fans = [make_user(username=f"fan-{n}").id for n in range(3)]
    for fan in fans:
        _as(app, fan).post(f"/p/{post_id}/react", data={"kind": "merci"})
    _as(app, fans[0]).post(f"/p/{post_id}/react", data={"kind": "utile"})

    page = _as(app, fans[1]).get(f"/p/{post_id}", follow_redirects=True).get_data(as_text=True)
    inbox = _as(app, author_id).get("/me/notifications").get_data(as_text=True)

    assert "Merci · 3" in page and "Utile · 1" in page
    assert 'aria-pressed="true"' in page  # fan-1 sees their own « Merci »
    assert "fan-0" in page and "fan-2" in page  # who reacted
    assert "4 personnes ont réagi à votre message" in inbox


def test_one_reaction_of_each_kind_never_on_ones_own_post_and_taken_back(app, client):
    with app.app_context():
        post = make_post()
        author_id, post_id = post.author_id, post.id
        fan_id = make_user().id
    fan = _as(app, fan_id)

    fan.post(f"/p/{post_id}/react", data={"kind": "merci"})
    fan.post(f"/p/{post_id}/react", data={"kind": "merci"})  # taken back
    fan.post(f"/p/{post_id}/react", data={"kind": "utile"})
    own = _as(app, author_id).post(f"/p/{post_id}/react", data={"kind": "merci"})
    odd = fan.post(f"/p/{post_id}/react", data={"kind": "bravo"})

    assert own.status_code == 403 and odd.status_code == 400
    with app.app_context():
        given = db.session.execute(select(Reaction.user_id, Reaction.kind)).all()
        assert [tuple(row) for row in given] == [(fan_id, "utile")]


def test_no_reaction_to_a_hidden_post_and_reactors_restricted_are_not_named(app_ctx):
    post = make_post()
    fan, frozen = make_user(username="fan-libre"), make_user(username="fan-gele")
    reactions.toggle(fan, post, "merci")
    reactions.toggle(frozen, post, "merci")
    frozen.restricted_at = frozen.created_at
    moderation.hide_post(make_user(role=Role.MODERATOR), post, Grounds("Hors charte", "respect"))

    shown = reactions.on_posts(None, [post])[post.id]

    assert shown.names == {"merci": ["fan-libre"]}
    assert not policy.can_react(make_user(), post)


# --- solutions -----------------------------------------------------------------------------


def test_the_author_marks_the_solution_shown_under_the_question_and_in_lists(app, client):
    with app.app_context():
        thread = make_thread(title="Quel OPCO pour un salarié ?")
        answer = make_post(thread=thread, body="L'OPCO de votre branche : l'Akto, souvent.")
        make_post(thread=thread, body="Je me pose la même question.")
        author_id, thread_id, answer_id = thread.author_id, thread.id, answer.id
        other_id = make_user().id

    refused = _as(app, other_id).post(f"/t/{thread_id}/solution", data={"post_id": answer_id})
    marked = _as(app, author_id).post(f"/t/{thread_id}/solution", data={"post_id": answer_id})
    page = client.get(f"/t/{thread_id}", follow_redirects=True).get_data(as_text=True)
    solved = client.get("/topics/financement?solved=1").get_data(as_text=True)
    unsolved = client.get("/topics/financement?solved=0").get_data(as_text=True)

    assert refused.status_code == 403 and marked.status_code == 302
    question, rest = page.split('id="solution-title"', 1)
    assert "l'Akto" in rest.split("</section>", 1)[0]  # right under the question
    assert "Résolu" in solved and "Quel OPCO" in solved and "Quel OPCO" not in unsolved
    with app.app_context():
        assert _kinds(db.session.get(Post, answer_id).author_id)[-1] == ("solution", 1)


def test_the_question_is_never_its_own_solution_and_a_hidden_one_stops_showing(app, client):
    with app.app_context():
        thread = make_thread()
        answer = make_post(thread=thread, body="Une réponse bientôt masquée.")
        moderator = make_user(role=Role.MODERATOR)
        with_question = posting.first_post_id(thread)
        thread_id, author_id, answer_id = thread.id, thread.author_id, answer.id
        solutions.set_solution(moderator, thread, answer)  # a moderator may, too
        moderation.hide_post(moderator, answer, Grounds("Hors charte", "respect"))

    itself = _as(app, author_id).post(f"/t/{thread_id}/solution", data={"post_id": with_question})
    page = client.get(f"/t/{thread_id}", follow_redirects=True).get_data(as_text=True)
    listed = client.get("/topics/financement?solved=1").get_data(as_text=True)

    assert itself.status_code == 302
    assert 'id="solution-title"' not in page and "bientôt masquée" not in page
    assert "Aucune discussion" in listed
    with app.app_context():
        assert db.session.get(Thread, thread_id).solution.post_id == answer_id  # unchanged


# --- report outcomes -----------------------------------------------------------------------


def test_a_reporter_learns_what_became_of_the_report_without_the_moderator(app, client):
    with app.app_context():
        post = make_post(body="Achetez mes plans de maquette !")
        reporter = make_user()
        moderator = make_user(role=Role.MODERATOR, username="moderatrice-discrete")
        moderation.report_post(reporter, post, reason="spam")
        moderation.hide_post(moderator, post, Grounds("Publicité", "advertising"))
        reporter_id = reporter.id

    inbox = _as(app, reporter_id).get("/me/notifications").get_data(as_text=True)

    assert "a été examiné : le message a été masqué" in inbox
    assert "moderatrice-discrete" not in inbox and "Achetez" not in inbox


# --- settings, inbox and what one may see --------------------------------------------------


def test_a_kind_turned_off_is_not_told_and_the_settings_page_keeps_the_choice(app, client):
    with app.app_context():
        thread = make_thread()
        author_id, thread_id = thread.author_id, thread.id
    author = _as(app, author_id)

    saved = author.post(
        "/me/notifications/settings",
        data={**{kind: "web" for kind in notifications.KINDS}, "reply": "off", "digest": "y"},
    )
    page = author.get("/me/notifications/settings").get_data(as_text=True)
    with app.app_context():
        make_post(thread=db.session.get(Thread, thread_id))

        assert _kinds(author_id) == []
        member = db.session.get(User, author_id)
        assert member.email_digest and not member.follow_on_post  # unchecked boxes
    assert saved.status_code == 302
    assert re.search(r'name="reply"[^>]*value="off"[^>]*checked|checked[^>]*value="off"', page)


def test_a_notice_about_a_post_hidden_since_is_neither_shown_nor_counted(app, client):
    with app.app_context():
        named = make_user(username="rose-plumassiere")
        post = make_post(body="@rose-plumassiere un message bientôt masqué.")
        moderation.hide_post(make_user(role=Role.MODERATOR), post, Grounds("Hors", "respect"))
        notice_id = db.session.scalar(select(Notification.id).where(Notification.kind == "mention"))
        named_id = named.id
        other_id = make_user().id
    reader = _as(app, named_id)

    inbox = reader.get("/me/notifications").get_data(as_text=True)
    opened = reader.get(f"/me/notifications/{notice_id}")
    someone_elses = _as(app, other_id).get(f"/me/notifications/{notice_id}")

    assert "bientôt masqué" not in inbox and "mentionné" not in inbox
    assert "Notifications (1 nouvelle)" not in inbox
    assert opened.status_code == 404 and someone_elses.status_code == 404


def test_opening_a_notice_marks_it_read_and_leads_to_the_post(app, client):
    with app.app_context():
        thread = make_thread()
        reply = make_post(thread=thread)
        author_id, reply_id = thread.author_id, reply.id
        notice_id = db.session.scalar(select(Notification.id).where(Notification.kind == "reply"))
    author = _as(app, author_id)

    header = author.get("/").get_data(as_text=True)
    opened = author.get(f"/me/notifications/{notice_id}")
    after = author.get("/").get_data(as_text=True)

    assert "Notifications (1 nouvelle)" in header and "nouvelle)" not in after
    assert opened.status_code == 302 and opened.location.endswith(f"/p/{reply_id}")


# --- e-mail --------------------------------------------------------------------------------


def test_mail_goes_only_with_consent_with_a_one_click_unsubscribe(app_ctx, outbox):
    consenting = make_user(username="avec-courriel", email="avec@exemple.fr")
    _consent(consenting)
    silent = make_user(username="sans-courriel", email="sans@exemple.fr")

    make_post(body="Bonjour @avec-courriel et @sans-courriel.")

    (mail,) = outbox.to("avec@exemple.fr")
    assert outbox.to("sans@exemple.fr") == []
    assert "vous a mentionné" in mail["Subject"]
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = re.fullmatch(
        r"<(http://etabli\.test/me/unsubscribe/\S+)>", mail["List-Unsubscribe"].strip()
    )
    assert link and link.group(1) in mail.get_content()
    assert silent.notify_by_email is False


def test_the_unsubscribe_link_works_without_logging_in_and_only_on_post(app, client, outbox):
    with app.app_context():
        member = make_user(email="desabonne@exemple.fr")
        _consent(member)
        token = notifications.unsubscribe_token(member)
        member_id = member.id

    shown = client.get(f"/me/unsubscribe/{token}")
    with app.app_context():
        assert db.session.get(User, member_id).notify_by_email  # a link scanner changes nothing
    done = client.post(f"/me/unsubscribe/{token}")  # the mail client's one-click, no CSRF
    forged = client.post(f"/me/unsubscribe/{token[:-3]}xyz")

    assert shown.status_code == 200 and done.status_code == 200 and forged.status_code == 400
    assert "C'est fait" in done.get_data(as_text=True)
    with app.app_context():
        member = db.session.get(User, member_id)
        assert not member.notify_by_email
        make_post(body="Rien ne part.", thread=make_thread(author=member))
        assert outbox.to("desabonne@exemple.fr") == []


def test_an_unsubscribe_link_dies_when_the_address_changes(app_ctx, client):
    member = make_user(email="ancienne@exemple.fr")
    _consent(member)
    token = notifications.unsubscribe_token(member)
    member.email_hash = "changed"  # the address was changed since
    db.session.commit()

    assert notifications.unsubscribe(token) is None
    assert db.session.get(User, member.id).notify_by_email


def test_the_daily_digest_groups_the_day_in_one_mail_sent_once(app, runner, outbox):
    with app.app_context():
        member = make_user(username="resume-du-jour", email="resume@exemple.fr")
        _consent(member)
        member.email_digest = True
        db.session.commit()
        thread = make_thread(author=member, title="Mon dossier de candidature")
        make_post(thread=thread)
        make_post(body="Une question pour @resume-du-jour.")
        reactions.toggle(make_user(), posting.get_post(posting.first_post_id(thread)), "utile")
        assert outbox.to("resume@exemple.fr") == []  # nothing at once

    first = runner.invoke(args=["jobs", "digest"])
    second = runner.invoke(args=["jobs", "digest"])

    (digest,) = outbox.to("resume@exemple.fr")
    text = digest.get_content()
    assert "Digests sent: 1." in first.output and "Digests sent: 0." in second.output
    assert "Nouvelle réponse" in text and "vous a mentionné" in text
    assert "réaction" not in text  # reactions are told on the site only, by default
    assert digest["List-Unsubscribe"]


def test_with_redis_the_notice_mails_go_through_an_rq_worker(app_factory, redis_url, outbox):
    app = app_factory(REDIS_URL=redis_url)
    with app.app_context():
        jobs.queue().empty()
        member = make_user(username="via-redis", email="redis@exemple.fr")
        _consent(member)
        make_post(body="Coucou @via-redis.")
        assert outbox.to("redis@exemple.fr") == [] and jobs.queue().count == 1

        SimpleWorker([jobs.queue()], connection=jobs.queue().connection).work(burst=True)

    assert "vous a mentionné" in outbox.to("redis@exemple.fr")[0]["Subject"]


# --- unread --------------------------------------------------------------------------------


def test_lists_mark_threads_with_new_posts_and_lead_to_the_first_unread(app, client):
    with app.app_context():
        reader_id = make_user().id
        thread = make_thread(title="Discussion avec du nouveau")
        first_reply = make_post(thread=thread)
        thread_id, first_reply_id = thread.id, first_reply.id
    reader = _as(app, reader_id)

    before = reader.get("/").get_data(as_text=True)
    reader.get(f"/t/{thread_id}", follow_redirects=True)  # read
    read = reader.get("/").get_data(as_text=True)
    with app.app_context():
        new = make_post(thread=db.session.get(Thread, thread_id))
        new_id = new.id
    again = reader.get("/").get_data(as_text=True)
    jump = reader.get(f"/t/{thread_id}/unread")

    assert f"/t/{thread_id}/unread" in before and f"/t/{thread_id}/unread" not in read
    assert f"/t/{thread_id}/unread" in again
    assert jump.status_code == 302 and jump.location.endswith(f"#p{new_id}")
    assert first_reply_id < new_id


def test_mark_all_read_in_a_topic_or_everywhere(app, client):
    with app.app_context():
        reader_id = make_user().id
        money = make_thread(topic="financement", title="Côté financement")
        course = make_thread(topic="deroulement-concours", title="Côté épreuves")
        money_id, course_id = money.id, course.id
    reader = _as(app, reader_id)

    reader.post("/read", data={"topic": "financement"})
    after_topic = reader.get("/").get_data(as_text=True)
    reader.post("/read", data={})
    everywhere = reader.get("/").get_data(as_text=True)
    unknown = reader.post("/read", data={"topic": "inconnu"})

    assert f"/t/{money_id}/unread" not in after_topic and f"/t/{course_id}/unread" in after_topic
    assert "/unread" not in everywhere and unknown.status_code == 404


def test_a_visitor_has_no_unread_markers_and_no_mark_to_write(app, client):
    with app.app_context():
        thread_id = make_thread().id

    page = client.get("/").get_data(as_text=True)
    jump = client.get(f"/t/{thread_id}/unread")
    refused = client.post("/read")

    assert "/unread" not in page and "Tout marquer comme lu" not in page
    assert jump.status_code == 302 and "/login" in jump.location
    assert refused.status_code == 302 and "/login" in refused.location


# --- attacks -------------------------------------------------------------------------------


def test_a_solution_from_another_thread_or_a_malformed_id_is_refused(app, client):
    with app.app_context():
        thread = make_thread()
        elsewhere = make_post(body="Une réponse d'une autre discussion.")
        author_id, thread_id, elsewhere_id = thread.author_id, thread.id, elsewhere.id
    author = _as(app, author_id)

    foreign = author.post(f"/t/{thread_id}/solution", data={"post_id": elsewhere_id})
    malformed = author.post(f"/t/{thread_id}/solution", data={"post_id": "1 OR 1=1"})
    huge = author.post(f"/t/{thread_id}/solution", data={"post_id": "9" * 40})

    assert foreign.status_code == malformed.status_code == huge.status_code == 404
    with app.app_context():
        assert db.session.get(Thread, thread_id).solution is None


def test_a_post_naming_a_crowd_tells_twenty_members_at_most(app_ctx):
    names = [make_user(username=f"foule-{n:02d}").username for n in range(30)]

    make_post(body=" ".join(f"@{name}" for name in names))

    told = db.session.scalar(select(func.count()).where(Notification.kind == "mention"))
    assert told == posting.MENTIONS_MAX == 20


def test_settings_with_an_unknown_channel_answer_a_form_error_not_a_500(app, client):
    with app.app_context():
        member_id = make_user().id

    response = _as(app, member_id).post(
        "/me/notifications/settings", data={"reply": "<script>", "mention": "email"}
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "<script>" not in page and 'id="reply-error">N&#39;est pas un choix valide' in page


def test_a_member_whose_data_is_restricted_is_told_nothing(app_ctx):
    frozen = make_user(username="compte-gele")
    thread = make_thread(author=frozen)
    frozen.restricted_at = frozen.created_at
    db.session.commit()

    make_post(thread=thread, body="Une réponse, et @compte-gele.")

    assert _kinds(frozen.id) == []


def test_a_reply_notice_whose_post_was_hidden_gives_way_to_a_new_one(app_ctx):
    thread = make_thread()
    first = make_post(thread=thread, body="Bientôt masquée.")
    moderation.hide_post(make_user(role=Role.MODERATOR), first, Grounds("Hors", "respect"))

    make_post(thread=thread, body="Une réponse visible.")
    make_post(thread=thread, body="Une autre.")

    assert _kinds(thread.author_id) == [("reply", 1), ("reply", 2)]
    assert notifications.count_unread(thread.author) == 1  # the visible one, grouping two


def test_naming_someone_again_by_editing_tells_them_once(app_ctx):
    named = make_user(username="odile-une-fois")
    post = make_post(body="Merci @odile-une-fois.")

    posting.edit_post(post.author, post, body="Merci à toutes.")
    posting.edit_post(post.author, post, body="Merci @odile-une-fois, vraiment.")

    assert _kinds(named.id) == [("mention", 1)]


def test_marking_a_solution_moved_from_another_thread_by_a_split_works(app_ctx):
    thread = make_thread()
    question = make_post(thread=thread, body="Une question dans la question.")
    answer = make_post(thread=thread, body="La réponse à la sous-question.")
    moderator = make_user(role=Role.MODERATOR)
    solutions.set_solution(thread.author, thread, answer)
    moved = moderation.split_thread(
        moderator,
        thread,
        post_ids=[question.id, answer.id],
        title="La sous-question",
        grounds=Grounds("Autre sujet", "on_topic"),
    )

    solutions.set_solution(moderator, moved, answer)

    assert db.session.get(Thread, moved.id).solution.post_id == answer.id
    assert db.session.get(Thread, thread.id).solution is None


def test_a_forged_unsubscribe_token_with_an_absurd_id_is_refused_not_a_500(app, client):
    with app.app_context():
        from forum import tokens

        forged = [tokens.make("unsubscribe", value) for value in (10**30, True, -4, "1")]

    answers = [client.post(f"/me/unsubscribe/{token}").status_code for token in forged]

    assert answers == [400, 400, 400, 400]


def test_the_same_click_twice_at_once_is_not_an_error(app_ctx):
    from forum.extensions import unless_done_meanwhile
    from forum.models import Bookmark
    from forum.models.base import utcnow

    post = make_post()
    member = make_user()
    for _ in range(2):  # the second insert breaks the unique constraint, as a race would
        with unless_done_meanwhile():
            db.session.add(Bookmark(user_id=member.id, post_id=post.id, created_at=utcnow()))
            db.session.commit()

    assert db.session.scalar(select(func.count()).select_from(Bookmark)) == 1
