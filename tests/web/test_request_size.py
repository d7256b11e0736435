"""Huge requests: a French 413 page with every security header, and nothing huge echoed back."""

from __future__ import annotations

import io

import pytest

from forum.models import Role
from tests.factories import make_thread, make_user, open_session

TEN_MB = 10 * 1024 * 1024
SECURITY_HEADERS = (
    "Content-Security-Policy",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "X-Frame-Options",
    "Cross-Origin-Opener-Policy",
    "Permissions-Policy",
)


@pytest.fixture
def thread_path(app):
    with app.app_context():
        return f"/t/{make_thread().id}"


def _assert_a_french_413(response):
    assert response.status_code == 413
    assert "Envoi trop volumineux" in response.get_data(as_text=True)
    for header in SECURITY_HEADERS:
        assert header in response.headers, header


def test_a_ten_megabyte_url_encoded_body_is_refused_unread(login_as, client, thread_path):
    login_as(Role.MEMBER)

    response = client.post(
        thread_path,
        data=b"body=" + b"x" * TEN_MB,
        content_type="application/x-www-form-urlencoded",
    )

    _assert_a_french_413(response)
    assert len(response.get_data()) < 20_000  # nothing echoed


def test_a_ten_megabyte_text_in_a_multipart_form_is_refused_unread(login_as, client, thread_path):
    login_as(Role.MEMBER)

    response = client.post(
        thread_path,
        data={"body": "x" * TEN_MB, "photos": (io.BytesIO(b"GIF89a"), "atelier.gif")},
        content_type="multipart/form-data",
    )

    _assert_a_french_413(response)


def test_a_body_over_the_whole_request_limit_is_refused(app_factory, client):
    app = app_factory(MAX_CONTENT_LENGTH=1024 * 1024)

    response = app.test_client().post(
        "/auth/login",
        data={"login": "lea", "photos": (io.BytesIO(b"\0" * 2 * 1024 * 1024), "grand.jpg")},
        content_type="multipart/form-data",
    )

    _assert_a_french_413(response)


def test_a_refused_huge_post_comes_back_cut_at_its_maximum_with_the_reason(
    login_as, client, thread_path
):
    login_as(Role.MEMBER)
    body = "a" * 50_000 + "b" * 100_000

    response = client.post(thread_path, data={"body": body})

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "ne peut pas dépasser 50 000 caractères (il en fait 150 000)" in page
    assert "a" * 50_000 + "</textarea>" in page and "b" * 50 not in page


def test_a_draft_given_back_on_an_error_page_is_cut_at_its_maximum(app_factory):
    app = app_factory(POST_LIMIT="0 per hour")
    client = app.test_client()
    with app.app_context():
        thread_id = make_thread().id
        session_id = open_session(make_user())
    with client.session_transaction() as session:
        session["_user_id"] = session_id

    response = client.post(f"/t/{thread_id}", data={"body": "a" * 100_000 + "b" * 50_000})

    page = response.get_data(as_text=True)
    assert response.status_code == 429
    assert "a" * 50_000 + "</textarea>" in page and "b" * 50 not in page
