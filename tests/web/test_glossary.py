"""The glossary (`/lexique`): seeded from the reference stages and funding schemes, kept by
moderators, a stale definition says so, and a post's first occurrence of a term links to it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from forum.extensions import db
from forum.models import GlossaryTerm, Role, User
from forum.services import erasure, glossary, posting
from tests.factories import PASSWORD, make_post, make_taxonomy, make_thread, make_user


def _loaded(app) -> None:
    with app.app_context():
        make_taxonomy()
        glossary.load_reference()


def test_the_glossary_is_seeded_from_the_reference_data_once(app_ctx, runner):
    make_taxonomy()

    first = runner.invoke(args=["taxonomy", "load"]).output
    again = runner.invoke(args=["taxonomy", "load"]).output

    cpf = glossary.get_term("cpf")
    assert "Glossary: 21 terms added." in first and "Glossary: 0 terms added." in again
    assert (cpf.term, cpf.forms) == ("Compte personnel de formation", [cpf.term, "CPF"])
    assert glossary.get_term("fafcea").term == "FAFCEA"
    assert glossary.get_term("positionnement").origin == "stage:positionnement"


def test_the_first_occurrence_of_a_term_links_to_its_definition(app_ctx):
    make_taxonomy()
    glossary.load_reference()

    post = make_post(
        body=(
            "> Le CPF, cité\n\n"
            "Mon `CPF` en code, puis mon CPF, encore le cpf, et [le CPF](https://exemple.fr) ; "
            "le positionnement aussi."
        )
    )

    assert post.html.count('class="term"') == 2  # CPF once, positionnement once
    assert '<a href="/lexique/cpf" class="term" title="' in post.html
    assert "<code>CPF</code>" in post.html and "<blockquote>\n<p>Le CPF, cité</p>" in post.html


def test_the_pages_list_terms_and_say_when_a_definition_is_stale(app, client):
    _loaded(app)
    with app.app_context():
        old = glossary.get_term("opco")
        old.last_checked_on -= timedelta(days=400)
        db.session.commit()
        make_thread(title="Mon OPCO refuse ma demande", body="L'OPCO de ma branche dit non.")

    index = client.get("/lexique").get_data(as_text=True)
    page = client.get("/lexique/opco").get_data(as_text=True)
    fresh = client.get("/lexique/cpf").get_data(as_text=True)

    assert "Compte personnel de formation" in index and "à vérifier" in index
    assert "n'a pas été vérifiée depuis plus d'un an" in page
    assert "Mon OPCO refuse ma demande" in page  # related threads
    assert "n'a pas été vérifiée" not in fresh
    assert client.get("/lexique/inconnu").status_code == 404


def test_moderators_keep_the_glossary_members_cannot(app, client, login_as):
    _loaded(app)
    member = app.test_client()
    with app.app_context(), member.session_transaction() as session:
        from tests.factories import open_session

        session["_user_id"] = open_session(make_user())
    login_as(Role.MODERATOR)
    data = {
        "term": "Séance réflexive",
        "aliases": "séances réflexives\nSR",
        "summary": "Un temps pour revenir sur ce qu'on a fait.",
        "explanation": "Avec **le tuteur**.",
        "checked": "y",
    }

    refused = member.post("/lexique/new", data=data)
    created = client.post("/lexique/new", data=data)
    duplicate = client.post("/lexique/new", data=data)
    empty = client.post("/lexique/cpf/edit", data={"term": "", "summary": ""})

    assert refused.status_code == 403 and created.status_code == 302
    assert duplicate.status_code == 400
    assert "Ce terme est déjà dans le lexique." in duplicate.get_data(as_text=True)
    assert empty.status_code == 400 and "Indiquez le terme." in empty.get_data(as_text=True)
    page = client.get(created.location).get_data(as_text=True)
    assert "<strong>le tuteur</strong>" in page and "séances réflexives, SR" in page


def test_the_editor_is_named_until_erased_then_the_term_stays(app_ctx, time_machine):
    time_machine.move_to("2026-06-01 10:00", tick=True)
    make_taxonomy()
    glossary.load_reference()
    moderator = make_user(role=Role.MODERATOR)
    term = glossary.get_term("cpf")
    glossary.save_term(
        moderator,
        term,
        name=term.term,
        aliases="CPF",
        summary="Vos droits à la formation.",
        explanation="",
        checked=True,
    )
    erasure.schedule_erasure(moderator, password=PASSWORD, content="anonymise")
    time_machine.shift(60 * 60 * 24 * 8)

    erasure.run_due_erasures()

    kept = db.session.scalar(select(GlossaryTerm).where(GlossaryTerm.slug == "cpf"))
    assert kept.summary == "Vos droits à la formation." and kept.edited_by_id is None
    assert db.session.get(User, moderator.id) is None
    assert posting.render_post("Le CPF.").count('class="term"') == 1
