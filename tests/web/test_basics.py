"""Layout, error pages, security headers, language, health check."""

import pytest
from flask import Flask

from forum import documents
from forum.models import Role
from tests.conftest import make_app


def test_home_is_in_french_and_says_who_runs_the_forum(client):
    response = client.get("/")

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<html lang="fr">' in page
    assert "tenu par des candidats" in page and "COET-MOF" in page


@pytest.mark.parametrize(
    "path", ["/", "/auth/login", "/auth/register", "/privacy", "/cookies", "/terms"]
)
def test_pages_load_nothing_from_another_site(client, path):
    page = client.get(path).get_data(as_text=True)

    for attribute in ('src="http', "src='http", 'href="http', 'src="//', 'href="//'):
        assert attribute not in page
    assert "<script>" not in page and "style=" not in page


def test_every_response_carries_the_security_headers(client):
    response = client.get("/")

    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_the_session_cookie_is_httponly_and_lax_and_secure_over_https(client):
    client.get("/auth/login")  # the CSRF token puts something in the session
    plain = client.get_cookie("session")

    secure_client = client.application.test_client()
    secure_client.get("/auth/login", base_url="https://etabli.test")
    secure = secure_client.get_cookie("session", domain="etabli.test")

    assert plain.http_only and plain.same_site == "Lax" and not plain.secure
    assert secure.secure and secure.http_only


@pytest.mark.parametrize(("path", "status"), [("/nulle-part", 404), ("/auth/register", 405)])
def test_error_pages_are_in_french(client, path, status):
    response = client.delete(path) if status == 405 else client.get(path)

    page = response.get_data(as_text=True)
    assert response.status_code == status
    assert '<html lang="fr">' in page
    assert "Page introuvable" in page or "Méthode non autorisée" in page


def test_an_unexpected_error_gives_the_french_500_page(tmp_path):
    app = make_app(tmp_path, TESTING=False, PROPAGATE_EXCEPTIONS=False)

    @app.get("/boom")
    def boom():
        raise RuntimeError("boom")

    response = app.test_client().get("/boom")

    assert response.status_code == 500
    assert "Erreur du serveur" in response.get_data(as_text=True)


def test_healthz_answers_ok_when_the_database_answers(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def _app_without_database(tmp_path) -> Flask:
    missing = tmp_path / "no-such-dir" / "db.sqlite"  # SQLite cannot create it
    return make_app(
        tmp_path,
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{missing}",
        TESTING=False,
        PROPAGATE_EXCEPTIONS=False,
    )


def test_healthz_answers_503_when_the_database_does_not(tmp_path):
    response = _app_without_database(tmp_path).test_client().get("/healthz")

    assert response.status_code == 503
    assert response.get_json()["status"] != "ok"


def test_a_database_outage_answers_the_french_503_page(tmp_path):
    client = _app_without_database(tmp_path).test_client()

    response = client.post("/auth/login", data={"login": "lea", "password": "x" * 12})

    assert response.status_code == 503
    assert "Service momentanément indisponible" in response.get_data(as_text=True)


def test_the_language_follows_accept_language(client):
    response = client.get("/auth/login", headers={"Accept-Language": "en-GB,en;q=0.9"})

    page = response.get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "Sign in" in page


def test_a_visitor_can_switch_language_and_it_sticks(client):
    response = client.post("/locale", data={"locale": "en", "next": "/auth/register"})
    page = client.get("/auth/register").get_data(as_text=True)

    assert response.headers["Location"] == "/auth/register"
    assert '<html lang="en">' in page and "Create an account" in page


def test_a_members_language_is_kept_on_their_account(app, login_as, client):
    user = login_as(Role.MEMBER)
    client.post("/locale", data={"locale": "en", "next": "/"})

    fresh = app.test_client()
    with fresh.session_transaction() as session:
        session["_user_id"] = user.get_id()  # the same session, in another browser
    page = fresh.get("/", headers={"Accept-Language": "fr"}).get_data(as_text=True)

    assert '<html lang="en">' in page


def test_an_unknown_language_or_outside_next_is_ignored(client):
    response = client.post("/locale", data={"locale": "xx", "next": "https://evil.example/"})

    assert response.headers["Location"] == "/"
    assert '<html lang="fr">' in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("name", ["privacy", "terms", "cookies"])
def test_policy_pages_show_their_version(app, client, name):
    with app.app_context():
        document = documents.get(name, "fr")

    page = client.get(f"/{name}").get_data(as_text=True)

    assert f"Version {document.version} du {document.date}" in page


def test_the_cookie_page_lists_only_strictly_necessary_cookies(client):
    page = client.get("/cookies").get_data(as_text=True)

    assert "strictement nécessaires" in page
    assert "<code>session</code>" in page and "<code>remember_token</code>" in page
    assert "<code>etabli_device</code>" in page


def test_a_post_refused_by_a_database_outage_gives_the_text_back(tmp_path):
    client = _app_without_database(tmp_path).test_client()
    with client.session_transaction() as session:
        session["_user_id"] = "a-session-the-dead-database-cannot-check"

    response = client.post(
        "/t/1", data={"body": "Mon brouillon <précieux>", "quote_of": "7", "password": "secret!"}
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "Mon brouillon &lt;précieux&gt;</textarea>" in page
    assert 'name="quote_of" value="7"' in page and 'action="/t/1"' in page
    assert "secret!" not in page


def test_the_form_library_messages_follow_each_requests_language(app):
    """WTForms' own messages (read once a process, not once a request) in the reader's
    language, one request after the other."""
    from wtforms import IntegerField

    from forum.web import BaseForm

    class Form(BaseForm):
        number = IntegerField()

    expected = {"fr": "N'est pas un entier valide.", "en": "Not a valid integer value."}
    for language in ("fr", "en", "fr"):
        with app.test_request_context(
            "/", method="POST", data={"number": "douze"}, headers={"Accept-Language": language}
        ):
            form = Form(meta={"csrf": False})
            form.validate()
            assert form.number.errors == [expected[language]]
