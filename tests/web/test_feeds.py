"""Atom feeds: valid RFC 4287, the latest public posts only, no e-mail address."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from forum.models import Role
from forum.services import moderation, posting, restriction
from forum.services.moderation import Grounds
from tests.factories import make_post, make_thread, make_user

ATOM = "{http://www.w3.org/2005/Atom}"


def _feed(client, path):
    response = client.get(path)
    assert response.status_code == 200, path
    assert response.mimetype == "application/atom+xml"
    return ET.fromstring(response.data)


def _check_rfc4287(feed):
    """The elements RFC 4287 requires (4.1.1, 4.1.2): once each, with content."""
    assert feed.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated"):
        assert len(feed.findall(f"{ATOM}{name}")) == 1 and feed.find(f"{ATOM}{name}").text
    assert feed.find(f"{ATOM}author/{ATOM}name").text
    assert [link.get("href") for link in feed.findall(f"{ATOM}link[@rel='self']")]
    for entry in feed.findall(f"{ATOM}entry"):
        for name in ("id", "title", "updated"):
            assert len(entry.findall(f"{ATOM}{name}")) == 1 and entry.find(f"{ATOM}{name}").text
        # A link without rel is the alternate one (RFC 4287, 4.2.7.2).
        links = entry.findall(f"{ATOM}link")
        assert any(
            link.get("rel", "alternate") == "alternate" and link.get("href") for link in links
        )
        assert entry.find(f"{ATOM}content").get("type") == "html"


@pytest.fixture
def posts(app):
    with app.app_context():
        moderator, admin = make_user(role=Role.MODERATOR), make_user(role=Role.ADMIN)
        cpf = make_thread(title="Le CPF", body="Premier message public.", trades=("ebenisterie",))
        make_post(thread=cpf, body="Une réponse publique.")
        hidden = make_post(thread=cpf, body="Le mot zanzibar.")
        posting.reply(  # quoted while public, then hidden
            make_user(),
            cpf,
            body=posting.quote_markdown(hidden) + "Je cite.",
            quoted_post_id=hidden.id,
        )
        moderation.hide_post(moderator, hidden, Grounds("Hors charte", "respect"))
        deleted = make_post(thread=cpf, body="Le mot tombouctou.")
        posting.delete_post(deleted.author, deleted)
        frozen = make_user(username="gelee")
        make_thread(author=frozen, title="Titre caravanserail", body="Le mot ouagadougou.")
        restriction.restrict(admin, username="gelee", reason="Contestation en cours")
        make_thread(topic="deroulement-concours", title="La finale", body="Autre rubrique.")


@pytest.mark.parametrize(
    "path",
    ["/feeds/latest.atom", "/feeds/topics/financement.atom", "/feeds/trades/ebenisterie.atom"],
)
def test_each_feed_is_valid_atom_with_only_public_posts(posts, client, login_as, path):
    login_as(Role.MODERATOR)  # whoever fetches it, a feed is what a visitor sees

    response = client.get(path)
    feed = _feed(client, path)

    _check_rfc4287(feed)
    text = response.get_data(as_text=True)
    assert feed.findall(f"{ATOM}entry") and "Une réponse publique." in text
    for secret in ("zanzibar", "tombouctou", "ouagadougou", "caravanserail", "@exemple.fr"):
        assert secret not in text, secret


def test_a_topic_feed_holds_that_topic_only(posts, client):
    topic = _feed(client, "/feeds/topics/financement.atom")
    latest = _feed(client, "/feeds/latest.atom")

    titles = {entry.find(f"{ATOM}title").text for entry in topic.findall(f"{ATOM}entry")}
    everywhere = {entry.find(f"{ATOM}title").text for entry in latest.findall(f"{ATOM}entry")}
    assert titles == {"Le CPF"} and "La finale" in everywhere


def test_an_unknown_topic_or_trade_has_no_feed(client):
    assert client.get("/feeds/topics/nulle-part.atom").status_code == 404
    assert client.get("/feeds/trades/nulle-part.atom").status_code == 404


def test_pages_point_to_their_feed(posts, client):
    home = client.get("/").get_data(as_text=True)
    topic = client.get("/topics/financement").get_data(as_text=True)

    assert 'rel="alternate" type="application/atom+xml"' in home
    assert 'href="/feeds/latest.atom"' in home
    assert 'href="/feeds/topics/financement.atom"' in topic
