"""The directory of candidates: opt-in only, only the fields each member shows, filters that
never reveal a field kept private, no e-mail address."""

from __future__ import annotations

import pytest

from forum.models import Role
from forum.services import consents, profiles, restriction, taxonomy
from tests.factories import make_taxonomy, make_user


def _profile(user, *, trades=(), region=None, edition=None, name="", show=True):
    profiles.update_profile(
        user,
        display_name=name,
        region_code=region,
        edition=edition,
        trade_ids=[taxonomy.get_trade(slug).id for slug in trades],
        bio="",
        visibility=profiles.Visibility(display_name=show, trades=show, region=show, edition=show),
    )


@pytest.fixture
def candidates(app):
    with app.app_context():
        make_taxonomy()
        listed = make_user(username="lea-ebeniste", email="lea@exemple.fr")
        _profile(listed, trades=("ebenisterie",), region="GES", edition=28, name="Léa Rabot")
        consents.set_consent(listed, "directory", True, via="test")
        discreet = make_user(username="marc-discret")
        _profile(discreet, trades=("ebenisterie",), region="GES", edition=28, show=False)
        consents.set_consent(discreet, "directory", True, via="test")
        absent = make_user(username="absent-annuaire")
        _profile(absent, trades=("ebenisterie",), region="GES", edition=28)
        frozen = make_user(username="gele-annuaire")
        consents.set_consent(frozen, "directory", True, via="test")
        restriction.restrict(make_user(role=Role.ADMIN), username="gele-annuaire", reason="Litige")


def test_only_members_who_chose_it_are_listed_with_what_they_show(candidates, client, login_as):
    assert client.get("/candidates").status_code == 302  # visitors: to the login page
    login_as()
    page = client.get("/candidates").get_data(as_text=True)

    assert "Léa Rabot" in page and "Ébénisterie" in page and "28e session" in page
    assert "marc-discret" in page  # listed, but nothing more than the username
    assert "absent-annuaire" not in page and "gele-annuaire" not in page
    assert "@exemple.fr" not in page
    assert "2 candidats" in page


def test_a_filter_never_reveals_a_field_kept_private(candidates, client, login_as):
    login_as()
    for query in ({"trade": "ebenisterie"}, {"region": "GES"}, {"edition": "28"}):
        page = client.get("/candidates", query_string=query).get_data(as_text=True)
        assert "lea-ebeniste" in page and "marc-discret" not in page, query


def test_bad_filters_get_a_french_message(candidates, client, login_as):
    login_as()
    response = client.get("/candidates", query_string={"trade": "x", "edition": "²"})

    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="directory-trade-error"' in text and 'id="directory-edition-error"' in text


def test_withdrawing_the_consent_leaves_the_directory(app, candidates, client, login_as):
    login_as()
    with app.app_context():
        from forum.services import accounts

        consents.set_consent(
            accounts.get_user_by_username("lea-ebeniste"), "directory", False, via="test"
        )

    assert "lea-ebeniste" not in client.get("/candidates").get_data(as_text=True)
