"""Text a reader may not read stays out of every page, whichever route they take to it.

A hidden, a pending, a refused, a deleted and a restricted author's post each carry a unique
phrase; every route of the URL map that takes a post, a thread or a member is fetched (GET, and
POST with an empty form, which re-renders the page) as a member and as COET staff, with every
id and name involved, and quoting each post: the phrases appear in none of the answers.
"""

from __future__ import annotations

import itertools

import pytest
from markupsafe import escape

from forum.extensions import db
from forum.models import Post, Role, User
from forum.services import accounts, moderation, posting, restriction
from forum.services.moderation import Grounds
from tests import routes
from tests.factories import make_thread, make_user, open_session

PHRASES = {
    "hidden": "phrase-cachee-par-un-moderateur",
    "pending": "phrase-en-attente-de-validation",
    "refused": "phrase-refusee-par-la-moderation",
    "deleted": "phrase-supprimee-par-son-auteur",
    "restricted": "phrase-d-un-membre-gele",
    "pending_thread": "phrase-d-une-discussion-en-attente",
    "restricted_title": "titre-d-un-membre-gele",
    "quoted_then_hidden": "phrase-citee-puis-cachee",
}
ARGUMENTS = {"post_id", "thread_id", "username"}


@pytest.fixture
def secrets(app):
    """A public thread holding one post of each kind, plus a thread waiting for approval."""
    with app.app_context():
        moderator = make_user(role=Role.MODERATOR, username="moderatrice")
        admin = make_user(role=Role.ADMIN, username="administratrice")
        thread = make_thread(author=make_user(username="ouvreuse"), title="Discussion publique")
        posts = {}
        for kind in ("hidden", "deleted", "restricted", "quoted_then_hidden"):
            author = make_user(username=f"auteur-{kind}")
            posts[kind] = posting.reply(author, thread, body=f"Voici : {PHRASES[kind]}.")
        quoted = posts["quoted_then_hidden"]
        posting.reply(  # someone quotes it while it is public…
            make_user(username="citeuse"),
            thread,
            body=posting.quote_markdown(quoted) + "Bien d'accord.",
            quoted_post_id=quoted.id,
        )
        frozen_thread = make_thread(
            author=db.session.get(User, posts["restricted"].author_id),
            title=f"Sujet {PHRASES['restricted_title']}",
        )
        app.config["MODERATION_NEW_MEMBER_APPROVALS"] = 1  # these authors' first posts wait
        for kind in ("pending", "refused"):
            author = make_user(username=f"auteur-{kind}")
            posts[kind] = posting.reply(author, thread, body=f"Voici : {PHRASES[kind]}.")
        waiting = make_thread(
            author=make_user(username="auteur-pending_thread"),
            title="Une discussion pas encore publiée",
            body=f"Voici : {PHRASES['pending_thread']}.",
        )
        app.config["MODERATION_NEW_MEMBER_APPROVALS"] = 0
        moderation.hide_post(moderator, posts["hidden"], Grounds("Hors charte", "respect"))
        moderation.hide_post(moderator, quoted, Grounds("Hors charte", "respect"))  # …then not
        moderation.reject_post(moderator, posts["refused"], Grounds("Doublon", "on_topic"))
        posting.delete_post(posts["deleted"].author, posts["deleted"])
        restriction.restrict(admin, username="auteur-restricted", reason="Contestation en cours")
        posts["pending_thread"] = db.session.get(Post, posting.first_post_id(waiting))
        return {
            "post_id": sorted(post.id for post in posts.values()),
            "thread_id": sorted({thread.id, waiting.id, frozen_thread.id}),
            "frozen_thread": frozen_thread.id,
            "username": sorted({post.author.username for post in posts.values()} | {"citeuse"}),
        }


def _paths(app, method: str, values: dict[str, list]) -> set[str]:
    """Every path of a rule taking a post, a thread or a member, with each value involved."""
    paths = set()
    for rule in app.url_map.iter_rules():
        arguments = set(rule.arguments)
        if method not in (rule.methods or ()) or not arguments & ARGUMENTS:
            continue
        names = sorted(arguments)
        choices = [values.get(name, routes.samples(rule, name)) for name in names]
        for combination in itertools.product(*choices):
            paths.add(rule.build(dict(zip(names, combination, strict=True)))[1])
    return paths


@pytest.mark.parametrize("role", [Role.MEMBER, Role.COET_STAFF], ids=["member", "coet_staff"])
def test_no_route_shows_text_its_reader_may_not_read(app, secrets, login_as, client, role):
    login_as(role)
    gets = _paths(app, "GET", secrets) | {"/", "/topics/financement", "/trades"}
    gets |= {f"/t/{secrets['thread_id'][0]}?quote={post_id}" for post_id in secrets["post_id"]}
    # Search, for the words of each phrase (spaced: the box shows what was asked).
    gets |= {f"/search?q={phrase.replace('-', '+')}" for phrase in PHRASES.values()}
    gets |= {"/feeds/latest.atom", "/feeds/topics/financement.atom"}

    answers = {path: client.get(path, follow_redirects=True) for path in sorted(gets)}
    answers |= {
        f"POST {path}": client.post(path, data={}, follow_redirects=True)
        for path in sorted(_paths(app, "POST", secrets))
    }

    assert len(answers) > 40
    leaks = {
        where: kind
        for where, response in answers.items()
        for kind, phrase in PHRASES.items()
        if phrase in response.get_data(as_text=True)
    }
    assert leaks == {}


def test_the_thread_page_still_shows_where_a_hidden_post_stood(app, secrets, login_as, client):
    login_as(Role.MEMBER)

    page = client.get(f"/t/{secrets['thread_id'][0]}", follow_redirects=True)

    text = page.get_data(as_text=True)
    assert "Message masqué par la modération. Raison : Hors charte" in text
    assert "Message supprimé." in text
    assert "Message masqué le temps de l'examen d'une contestation." in text
    assert "Citation d'un message qui n'est plus visible." in text and "Bien d'accord." in text


@pytest.mark.parametrize("kind", ["hidden", "deleted", "pending", "refused", "quoted_then_hidden"])
def test_the_author_still_reads_their_own_post(app, secrets, client, kind):
    with app.app_context(), client.session_transaction() as session:
        session["_user_id"] = open_session(accounts.get_user_by_username(f"auteur-{kind}"))

    page = client.get(f"/t/{secrets['thread_id'][0]}", follow_redirects=True)

    assert PHRASES[kind] in page.get_data(as_text=True)


def test_a_restricted_members_thread_is_listed_without_its_title(app, secrets, login_as, client):
    login_as(Role.MEMBER)
    frozen = secrets["frozen_thread"]

    redirect = client.get(f"/t/{frozen}")
    page = client.get(f"/t/{frozen}", follow_redirects=True)
    home = client.get("/").get_data(as_text=True)

    assert redirect.headers["Location"] == f"/t/{frozen}-discussion"  # the slug spells it too
    masked = escape("Discussion masquée le temps de l'examen d'une contestation")
    assert masked in page.get_data(as_text=True) and masked in home
