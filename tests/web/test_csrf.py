"""CSRF: every form route of the app refuses a POST without a valid token."""

import pytest

from forum.models import Role
from tests import routes
from tests.factories import make_user, open_session


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
