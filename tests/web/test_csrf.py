"""CSRF: every form route of the app refuses a POST without a valid token."""

import re

import pytest

from forum.models import Role
from forum.services import taxonomy
from tests import routes
from tests.factories import make_taxonomy, make_user, open_session


@pytest.fixture
def csrf_app(app_factory):
    return app_factory(WTF_CSRF_ENABLED=True)


def _post_routes(app):
    return routes.urls(app, "POST")


def test_the_app_has_post_routes_to_check(csrf_app):
    endpoints = {endpoint for endpoint, _ in _post_routes(csrf_app)}

    assert {"auth.register", "auth.login", "auth.logout", "account.change_password"} <= endpoints


def test_every_post_route_refuses_a_request_without_csrf_token(csrf_app):
    client = csrf_app.test_client()
    with csrf_app.app_context():
        user = make_user(role=Role.ADMIN)
        session_id = open_session(user)
    with client.session_transaction() as session:
        session["_user_id"] = session_id

    refused = {
        endpoint: client.post(path, data={"login": "x", "email": "x@exemple.fr"}).status_code
        for endpoint, path in _post_routes(csrf_app)
    }

    assert refused and all(status == 400 for status in refused.values()), refused


def test_a_missing_csrf_token_gets_a_french_explanation(csrf_app):
    response = csrf_app.test_client().post("/auth/login", data={"login": "x", "password": "y"})

    assert response.status_code == 400
    assert "Le formulaire a expiré" in response.get_data(as_text=True)


def test_a_form_with_its_token_goes_through(csrf_app):
    client = csrf_app.test_client()
    page = client.get("/auth/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]

    response = client.post("/auth/login", data={"login": "x", "password": "y", "csrf_token": token})

    assert response.status_code == 400
    assert "Identifiant ou mot de passe incorrect." in response.get_data(as_text=True)


# --- a refused forged request never comes back as a form ready to send ----------------------


FORGED = {"display_name": "Pirate", "bio": "Texte glissé par un autre site", "show_bio": "y"}


def _victim(app):
    """A member's browser, logged in, on which another site makes a request."""
    client = app.test_client()
    with app.app_context():
        session_id = open_session(make_user(username="victime"))
    with client.session_transaction() as session:
        session["_user_id"] = session_id
    return client


def _forms_posting_to(page: str, path: str) -> list[str]:
    return re.findall(rf'<form[^>]*action="{re.escape(path)}"[^>]*>.*?</form>', page, re.S)


def test_a_forged_request_shows_its_text_read_only_and_offers_only_the_empty_form(csrf_app):
    victim = _victim(csrf_app)

    refused = victim.post("/me/profile", data=FORGED)

    page = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert _forms_posting_to(page, "/me/profile") == []  # nothing one click could send
    assert 'name="display_name"' not in page and "Pirate" not in page
    assert re.search(r"<textarea[^>]*readonly[^>]*>Texte glissé par un autre site</textarea>", page)
    assert 'href="/me/profile"' in page


def test_clicking_through_the_refusal_page_changes_nothing(csrf_app):
    victim = _victim(csrf_app)
    page = victim.post("/me/profile", data=FORGED).get_data(as_text=True)

    for form in re.findall(r"<form.*?</form>", page, re.S):
        action = re.search(r'action="([^"]*)"', form).group(1)
        if action.startswith("/me/profile"):
            victim.post(action, data=dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form)))

    profile = victim.get("/u/victime").get_data(as_text=True)
    assert "Pirate" not in profile and "Texte glissé" not in profile


def test_a_request_with_its_valid_token_refused_for_another_reason_comes_back_ready_to_send(
    app_factory,
):
    app = app_factory(WTF_CSRF_ENABLED=True, POST_LIMIT="1 per hour")
    with app.app_context():
        make_taxonomy()
        topic = str(taxonomy.get_topic("financement").id)
    client = _victim(app)
    token = _token(client, "/threads/new")
    first = {"title": "Premier essai", "body": "x", "topic": topic, "csrf_token": token}
    assert client.post("/threads/new", data=first).status_code == 302

    refused = client.post(
        "/threads/new",
        data={**first, "title": "Ma question", "body": "Mon brouillon précieux"},
    )

    page = refused.get_data(as_text=True)
    assert refused.status_code == 429
    assert len(_forms_posting_to(page, "/threads/new")) == 1
    assert "Mon brouillon précieux</textarea>" in page and 'name="body"' in page


def _token(client, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    return page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
