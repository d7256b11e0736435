"""Optional purposes each with its own consent; new policy versions accepted before posting."""

from sqlalchemy import select

from forum import documents
from forum.extensions import db
from forum.models import User
from forum.services import consents
from gdpr.models import ConsentEvent
from tests.factories import make_user


def _events(app, user_id):
    with app.app_context():
        query = select(ConsentEvent).where(ConsentEvent.subject_ref == str(user_id))
        return [
            (e.purpose, e.given, e.via) for e in db.session.scalars(query.order_by(ConsentEvent.id))
        ]


def test_optional_purposes_are_off_by_default(app_ctx):
    assert set(consents.consents(make_user()).values()) == {False}


def test_giving_then_withdrawing_in_one_click_is_logged_and_immediate(app, login_as, client):
    user = login_as()

    client.post("/me/privacy/consents", data={"purpose": "profile.region", "given": "1"})
    client.post("/me/privacy/consents", data={"purpose": "profile.region", "given": "0"})

    with app.app_context():
        assert db.session.get(User, user.id).show_region is False
    assert _events(app, user.id)[-2:] == [
        ("profile.region", True, "privacy-centre"),
        ("profile.region", False, "privacy-centre"),
    ]


def test_withdrawing_visibility_hides_the_field_at_once(app, login_as, client):
    user = login_as()
    client.post("/me/profile", data={"region": "BRE", "show_region": "y"})
    assert "Bretagne" in app.test_client().get(f"/u/{user.username}").get_data(as_text=True)

    client.post("/me/privacy/consents", data={"purpose": "profile.region", "given": "0"})

    assert "Bretagne" not in app.test_client().get(f"/u/{user.username}").get_data(as_text=True)


def test_choices_made_in_the_profile_form_are_logged_as_consents(app, login_as, client):
    user = login_as()

    client.post("/me/profile", data={"show_trades": "y", "show_bio": "y"})

    assert ("profile.trades", True, "profile-form") in _events(app, user.id)
    assert ("profile.bio", True, "profile-form") in _events(app, user.id)


def test_an_unknown_purpose_is_refused(login_as, client):
    login_as()

    response = client.post(
        "/me/privacy/consents", data={"purpose": "marketing", "given": "1"}, follow_redirects=True
    )

    assert "Ce choix n&#39;existe pas." in response.get_data(as_text=True)


def publish_new_terms(monkeypatch):
    """Publish version 2 of the terms."""
    original = documents.get

    def get(name, locale="fr"):
        document = original(name, locale)
        if name == "terms":
            return documents.Document(
                name, document.title, "2", "2027-01-01", document.body + "\nNouveau.\n"
            )
        return document

    monkeypatch.setattr(documents, "get", get)


def test_a_new_policy_version_is_presented_at_the_next_visit(app, login_as, client, monkeypatch):
    user = login_as()
    publish_new_terms(monkeypatch)

    response = client.get("/threads/new")
    rights = client.get("/me/privacy")
    refused = client.post(response.headers["Location"], data={})
    accepted = client.post(response.headers["Location"], data={"accept_terms": "y"})

    assert response.status_code == 302 and "/me/privacy/accept" in response.headers["Location"]
    assert rights.status_code == 200
    assert refused.status_code == 400
    assert accepted.headers["Location"] == "/threads/new?" or accepted.headers[
        "Location"
    ].startswith("/threads/new")
    assert client.get("/threads/new").status_code == 200
    with app.app_context():
        versions = db.session.scalars(
            select(ConsentEvent.document_version).where(
                ConsentEvent.subject_ref == str(user.id), ConsentEvent.purpose == "terms"
            )
        ).all()
    assert versions == ["1", "2"]


def test_every_translation_of_a_policy_carries_the_same_version():
    for name in documents.NAMES:
        assert documents.get(name, "en").version == documents.get(name, "fr").version


def test_an_edited_text_is_presented_again_even_under_the_same_version(
    app, login_as, client, monkeypatch
):
    login_as()
    original = documents.get

    def get(name, locale="fr"):
        document = original(name, locale)
        if name == "privacy":  # the same number, a different text
            return documents.Document(
                name, document.title, document.version, document.date, document.body + "Ajout.\n"
            )
        return document

    monkeypatch.setattr(documents, "get", get)

    response = client.get("/threads/new")

    assert response.status_code == 302 and "/me/privacy/accept" in response.headers["Location"]
