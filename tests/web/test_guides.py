"""Practical guides (`/fiches`): written together by members with some standing, every edit a
revision with its author, summary and diff; moderators revert, lock, hide and turn solved
threads into guides; guides are searched, followed, reported, and keep their words when a
contributor is erased."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import Guide, GuideRevision, Notification, Post, Report, Role, User
from forum.services import (
    erasure,
    exports,
    glossary,
    guides,
    moderation,
    posting,
    solutions,
    taxonomy,
)
from forum.services.moderation import Grounds
from tests.factories import PASSWORD, make_post, make_taxonomy, make_thread, make_user, open_session

BODY = "## Les étapes\n\nDemander l'accord du **FAFCEA** six mois avant.\nGarder les factures."


@pytest.fixture
def app(app_factory):
    return app_factory(GUIDE_EDIT_MIN_POSTS=2)


def _member(app, *, posts: int = 2, role: Role = Role.MEMBER) -> tuple[int, object]:
    """A member with POSTS published posts, and a browser signed in as them."""
    with app.app_context():
        if taxonomy.get_topic("financement") is None:
            make_taxonomy()
        user = make_user(role=role)
        for _ in range(posts):
            make_thread(author=user, title="Une question de plus", body="Bonjour à tous.")
        session_id = open_session(user)
        user_id = user.id
    browser = app.test_client()
    with browser.session_transaction() as session:
        session["_user_id"] = session_id
    return user_id, browser


def _topic_id(app) -> int:
    with app.app_context():
        return taxonomy.get_topic("financement").id


def _create(app, browser, **data) -> str:
    fields = {"title": "Financer son concours (FAFCEA)", "topic": _topic_id(app), "body": BODY}
    response = browser.post("/fiches/new", data={**fields, **data})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.location


def _guide_id(location: str) -> int:
    return int(location.split("/")[2])


def test_members_with_standing_write_guides_newcomers_cannot(app, client):
    _newcomer_id, newcomer = _member(app, posts=1)
    _author_id, author = _member(app)

    refused = newcomer.post("/fiches/new", data={"title": "Ma fiche", "body": BODY})
    location = _create(app, author)
    page = client.get(location).get_data(as_text=True)

    assert newcomer.get("/fiches/new").status_code == 403 and refused.status_code == 403
    assert "<strong>FAFCEA</strong>" in page and "Ont contribué" in page
    assert "Financer son concours (FAFCEA)" in client.get("/fiches").get_data(as_text=True)
    assert client.get("/fiches/new").status_code == 302  # anonymous: to the login page


def test_bad_input_is_refused_next_to_the_field_and_the_text_kept(app):
    _author_id, author = _member(app)
    long_body = "mot " * 16_000

    short = author.post("/fiches/new", data={"title": "Moi", "topic": _topic_id(app), "body": BODY})
    empty = author.post("/fiches/new", data={"title": "Une fiche utile", "topic": "", "body": ""})
    huge = author.post(
        "/fiches/new", data={"title": "Une fiche utile", "topic": "999999", "body": long_body}
    )

    assert short.status_code == 400
    assert "Le titre doit faire au moins 5 caractères." in short.get_data(as_text=True)
    assert "six mois avant" in short.get_data(as_text=True)  # the text is kept
    text = empty.get_data(as_text=True)
    assert "La fiche ne peut pas être vide." in text and "Choisissez un sujet." in text
    text = huge.get_data(as_text=True)
    assert huge.status_code == 400 and "ne peut pas dépasser 60 000 caractères" in text
    assert "n&#39;existe pas" in text or "n'existe pas" in text
    with app.app_context():
        assert db.session.scalar(select(Guide.id)) is None


def test_every_edit_is_a_revision_with_its_author_summary_and_diff(app, client):
    _first_id, first = _member(app)
    _second_id, second = _member(app)
    location = _create(app, first)
    guide_id = _guide_id(location)
    edit = f"/fiches/{guide_id}/edit"
    changed = BODY.replace("Garder les factures.", "Garder les factures et les devis.")
    fields = {"title": "Financer son concours (FAFCEA)", "topic": _topic_id(app), "base": "1"}

    no_summary = second.post(edit, data={**fields, "body": changed})
    saved = second.post(edit, data={**fields, "body": changed, "summary": "Ajout des devis"})
    stale = first.post(edit, data={**fields, "body": BODY + "\nAutre.", "summary": "Ajout"})
    same = first.post(edit, data={**fields, "base": "2", "body": changed, "summary": "Rien"})

    assert no_summary.status_code == 400
    assert "Dites en quelques mots ce que vous avez changé." in no_summary.get_data(as_text=True)
    assert saved.status_code == 302
    text = stale.get_data(as_text=True)
    assert stale.status_code == 400 and "pendant que vous écriviez" in text and "Autre." in text
    assert same.status_code == 400 and "Rien n&#39;a changé" in same.get_data(as_text=True)
    history = client.get(f"/fiches/{guide_id}/history").get_data(as_text=True)
    diff = client.get(f"/fiches/{guide_id}/v/2").get_data(as_text=True)
    page = client.get(location).get_data(as_text=True)
    assert "Version 2" in history and "Ajout des devis" in history and "Création" in history
    assert "<del>Garder les factures.</del>" in diff
    assert "<ins>Garder les factures et les devis.</ins>" in diff
    assert "2 versions" in page and page.count('class="member"') >= 2
    assert client.get(f"/fiches/{guide_id}/v/9").status_code == 404


def test_followers_are_told_of_each_new_revision(app):
    author_id, author = _member(app)
    editor_id, editor = _member(app)
    reader_id, reader = _member(app, posts=0)
    guide_id = _guide_id(_create(app, author))
    reader.post(f"/fiches/{guide_id}/follow", data={"follow": "1"})
    fields = {"title": "Financer son concours (FAFCEA)", "topic": _topic_id(app)}

    for number, extra in ((1, "Un."), (2, "Deux.")):
        editor.post(
            f"/fiches/{guide_id}/edit",
            data={**fields, "body": f"{BODY}\n{extra}", "summary": extra, "base": str(number)},
        )

    with app.app_context():
        notices = db.session.execute(
            select(Notification.user_id, Notification.count).where(
                Notification.kind == "guide_revision"
            )
        ).all()
    assert sorted(notices) == sorted([(author_id, 2), (reader_id, 2)])
    assert "2 nouvelles versions de la fiche" in reader.get("/me/notifications").get_data(
        as_text=True
    )
    assert editor_id not in {user_id for user_id, _count in notices}


def test_moderators_revert_lock_and_hide_a_guide(app, client):
    _author_id, author = _member(app)
    _moderator_id, moderator = _member(app, posts=0, role=Role.MODERATOR)
    location = _create(app, author)
    guide_id = _guide_id(location)
    fields = {"title": "Financer son concours (FAFCEA)", "topic": _topic_id(app)}
    author.post(
        f"/fiches/{guide_id}/edit",
        data={**fields, "body": "Vandalisme.", "summary": "Tout effacé", "base": "1"},
    )

    assert author.post(f"/fiches/{guide_id}/v/1/revert").status_code == 403
    moderator.post(f"/fiches/{guide_id}/v/1/revert")
    moderator.post(f"/fiches/{guide_id}/lock")
    locked = author.post(
        f"/fiches/{guide_id}/edit", data={**fields, "body": "Encore.", "summary": "x", "base": "3"}
    )
    hidden = moderator.post(
        f"/mod/guides/{guide_id}/hide",
        data={"reason": "Des données personnelles", "rule": "privacy", "detection": "moderator"},
    )

    with app.app_context():
        guide = db.session.get(Guide, guide_id)
        latest = guides.get_revision(guide, 3)
        assert (latest.restores, latest.source, guide.source) == (1, BODY, BODY)
        assert guide.is_locked and guide.is_hidden
    assert locked.status_code == 403 and hidden.status_code == 302
    for path in (location, f"/fiches/{guide_id}/history", f"/fiches/{guide_id}/v/1"):
        assert client.get(path).status_code == 404
        assert author.get(path).status_code == 404
        assert moderator.get(path).status_code == 200
    assert "Financer son concours" not in client.get("/fiches").get_data(as_text=True)
    assert "Financer son concours" not in client.get("/search?q=FAFCEA").get_data(as_text=True)
    assert "Financer son concours" in moderator.get("/fiches").get_data(as_text=True)


def test_a_solved_thread_becomes_a_guide_with_links_back_and_attribution(app, client):
    asker_id, asker = _member(app)
    _moderator_id, moderator = _member(app, posts=0, role=Role.MODERATOR)
    with app.app_context():
        helper = make_user(username="lucie")
        asker_user = db.session.get(User, asker_id)
        thread = make_thread(
            author=asker_user,
            title="Comment financer la maquette ?",
            body="Je suis à mon compte, qui paie ?",
        )
        unsolved = make_thread(author=asker_user, title="Pas encore de réponse")
        answer = make_post(thread=thread, author=helper, body="Le **FAFCEA**, demandez tôt.")
        solutions.set_solution(asker_user, thread, answer)
        thread_id, unsolved_id = thread.id, unsolved.id

    refused = asker.post(f"/t/{unsolved_id}/fiche")
    proposed = asker.post(f"/t/{thread_id}/fiche")
    guide_id = _guide_id(proposed.location)
    hidden_meanwhile = client.get(f"/fiches/{guide_id}").status_code
    again = moderator.post(f"/t/{thread_id}/fiche")
    moderator.post(f"/fiches/{guide_id}/approve")
    page = client.get(proposed.location, follow_redirects=True).get_data(as_text=True)
    thread_page = client.get(f"/t/{thread_id}", follow_redirects=True).get_data(as_text=True)

    assert refused.status_code == 302 and proposed.status_code == 302
    assert hidden_meanwhile == 404 and again.status_code == 302
    assert "Je suis à mon compte, qui paie ?" in page and "<strong>FAFCEA</strong>" in page
    assert f"/t/{thread_id}-" in page and "lucie" in page  # the link back, the attribution
    assert "Cette discussion est devenue une fiche pratique" in thread_page
    with app.app_context():
        assert (
            db.session.scalar(select(Guide.id).where(Guide.source_thread_id == unsolved_id)) is None
        )
        assert len(db.session.scalars(select(Guide)).all()) == 1


def test_guides_are_found_by_the_search_and_link_glossary_terms(app, client):
    _author_id, author = _member(app)
    with app.app_context():
        glossary.load_reference()
    location = _create(app, author, body="Le CPF ne suffit pas : voyez le FAFCEA.")

    found = client.get("/search?q=fafcea").get_data(as_text=True)
    listed = client.get("/fiches?q=fafcea").get_data(as_text=True)
    other = client.get("/fiches?q=boulangerie").get_data(as_text=True)
    page = client.get(location).get_data(as_text=True)

    assert "Financer son concours (FAFCEA)" in found and "Financer son concours" in listed
    assert "Financer son concours" not in other
    assert '<a href="/lexique/cpf" class="term"' in page


def test_reports_of_a_guide_reach_the_moderators_and_the_reporter_hears_back(app):
    _author_id, author = _member(app)
    reporter_id, reporter = _member(app, posts=0)
    _moderator_id, moderator = _member(app, posts=0, role=Role.MODERATOR)
    guide_id = _guide_id(_create(app, author))

    reported = reporter.post(
        f"/fiches/{guide_id}/report", data={"reason": "personal_data", "comment": "Un nom."}
    )
    queue = moderator.get("/mod/reports").get_data(as_text=True)
    moderator.post(
        f"/mod/guides/{guide_id}/hide",
        data={"reason": "Un nom cité", "rule": "privacy", "detection": "report"},
    )

    assert reported.status_code == 302 and "Fiches pratiques signalées" in queue
    assert "Un nom." in queue
    with app.app_context():
        report = db.session.scalar(select(Report).where(Report.guide_id == guide_id))
        assert report.resolution == "guide_hidden"
        notice = db.session.scalar(
            select(Notification).where(
                Notification.user_id == reporter_id, Notification.kind == "report_outcome"
            )
        )
        assert notice is not None and notice.guide_id == guide_id
    # the reporter is told, though the hidden guide no longer opens for them
    inbox = reporter.get("/me/notifications").get_data(as_text=True)
    assert "la fiche a été masquée" in inbox
    assert reporter.get(f"/fiches/{guide_id}").status_code == 404


def test_an_erased_contributor_becomes_former_member_and_their_words_stay(app, time_machine):
    time_machine.move_to("2026-06-01 10:00", tick=True)
    author_id, author = _member(app)
    location = _create(app, author)
    with app.app_context():
        user = db.session.get(User, author_id)
        exported = exports.export_data(user)
        erasure.schedule_erasure(user, password=PASSWORD, content="delete")
    time_machine.shift(60 * 60 * 24 * 8)
    with app.app_context():
        erasure.run_due_erasures()

    page = app.test_client().get(location).get_data(as_text=True)

    assert any("six mois avant" in str(rows) for rows in exported.values())
    assert "Ancien membre" in page and "six mois avant" in page
    with app.app_context():
        revision = db.session.scalar(select(GuideRevision))
        guide = db.session.scalar(select(Guide))
        assert revision.author_id is None and guide.created_by_id is None
        assert "six mois avant" in revision.source


def test_forged_requests_reach_nothing_hidden_and_never_fail(app):
    """A POST without its hidden `base`, a guide waiting for approval edited, followed or
    reported by someone else, an unknown version reverted: a clear answer, never a 500."""
    asker_id, asker = _member(app)
    _other_id, other = _member(app)
    _moderator_id, moderator = _member(app, posts=0, role=Role.MODERATOR)
    location = _create(app, other)
    guide_id = _guide_id(location)
    with app.app_context():
        asker_user = db.session.get(User, asker_id)
        thread = make_thread(author=asker_user, title="Qui finance le dossier ?")
        answer = make_post(thread=thread, body="Votre OPCO.")
        solutions.set_solution(asker_user, thread, answer)
        thread_id = thread.id
    pending_id = _guide_id(asker.post(f"/t/{thread_id}/fiche").location)
    fields = {"title": "Financer son concours (FAFCEA)", "topic": _topic_id(app)}

    no_base = other.post(
        f"/fiches/{guide_id}/edit", data={**fields, "body": BODY + "\nPlus.", "summary": "Plus"}
    )
    on_pending = [
        other.post(f"/fiches/{pending_id}/edit", data={**fields, "body": "x", "summary": "x"}),
        other.post(f"/fiches/{pending_id}/follow", data={"follow": "1"}),
        other.get(f"/fiches/{pending_id}/report"),
        other.get(f"/fiches/{pending_id}/history"),
    ]
    unknown = moderator.post(f"/fiches/{guide_id}/v/99/revert")
    own_pending_edit = asker.get(f"/fiches/{pending_id}/edit")

    assert no_base.status_code == 302
    assert [response.status_code for response in on_pending] == [404, 404, 404, 404]
    assert unknown.status_code == 302  # back to the history, with a message
    assert own_pending_edit.status_code == 403  # a moderator reads it before anyone edits it


def test_a_hidden_question_is_never_copied_into_a_guide(app):
    asker_id, _asker = _member(app)
    moderator_id, moderator = _member(app, posts=0, role=Role.MODERATOR)
    with app.app_context():
        asker_user = db.session.get(User, asker_id)
        thread = make_thread(author=asker_user, title="Mon adresse et ma question ?")
        answer = make_post(thread=thread, body="Une réponse utile.")
        solutions.set_solution(asker_user, thread, answer)
        first = db.session.get(Post, posting.first_post_id(thread))
        moderation.hide_post(
            db.session.get(User, moderator_id), first, Grounds("Une adresse", "privacy")
        )
        thread_id = thread.id

    refused = moderator.post(f"/t/{thread_id}/fiche", follow_redirects=True)

    assert "n&#39;est pas lisible par tous" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Guide.id)) is None


def test_the_list_answers_odd_addresses_with_a_404_or_its_last_page(app, client):
    _author_id, author = _member(app)
    _create(app, author)

    assert client.get("/fiches?page=-1").status_code == 404
    assert client.get("/fiches?page=abc").status_code == 404
    assert client.get("/fiches?topic=inconnu").status_code == 404
    assert client.get("/fiches?trade=inconnu").status_code == 404
    beyond = client.get("/fiches?topic=financement&page=9")
    assert beyond.status_code == 302 and beyond.location.endswith("page=1")
    assert "topic=financement" in beyond.location
    long_query = client.get("/fiches?q=" + "mot " * 100).get_data(as_text=True)
    assert "Votre recherche est trop longue" in long_query
