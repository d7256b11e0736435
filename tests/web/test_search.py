"""Search, as a candidate uses it: French words found in any form, ranked, filtered, paged,
only what the searcher may read, and a French message for whatever they type."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import Post, Role, Thread, User
from forum.models.base import utcnow
from forum.services import erasure, moderation, posting, restriction
from forum.services import retention as retention_rules
from forum.services.moderation import Grounds
from tests.factories import PASSWORD, make_post, make_thread, make_user, open_session


def _search(client, q="", **filters):
    return client.get("/search", query_string={"q": q, **filters})


def _found(response) -> int:
    text = response.get_data(as_text=True)
    match = re.search(r'id="results-title">(\d+) résultats?<', text)
    assert match, text[-2000:]
    return int(match[1])


def _titles(response) -> list[str]:
    text = response.get_data(as_text=True)
    return re.findall(r'<li class="search-hit">\s*<h3>\s*<a href="[^"]+">([^<]+)</a>', text)


@pytest.fixture
def forum(app):
    """Threads about financing and the competition, with French words in several forms."""
    with app.app_context():
        lea = make_user(username="lea-patissiere")
        marc = make_user(username="marc-ebeniste")
        cpf = make_thread(
            author=lea,
            title="Financer sa préparation avec le CPF",
            body="Une PÂTISSIÈRE salariée : les financements du CPF et de l'OPCO sont cumulables.",
        )
        make_post(thread=cpf, author=marc, body="Pour cumuler, demandez d'abord à l'OPCO.")
        make_thread(
            author=marc,
            topic="deroulement-concours",
            trades=("ebenisterie",),
            title="Le jour de la finale",
            body="Un élève m'a aidé à monter la maquette.",
        )
        return {"cpf": cpf.id, "lea": lea.id, "marc": marc.id}


@pytest.mark.parametrize(
    ("query", "finds"),
    [
        ("eleve", "élève"),  # accents
        ("PÂTISSIÈRE", "PÂTISSIÈRE"),  # case
        ("patissiere", "PÂTISSIÈRE"),
        ("financement", "financements"),  # stemmed
        ("cumuler", "cumulables"),
        ("Maquettes", "maquette"),
    ],
)
def test_french_words_are_found_in_any_form(forum, client, query, finds):
    response = _search(client, query)

    assert response.status_code == 200 and _found(response) >= 1
    assert f"<mark>{finds}</mark>" in response.get_data(as_text=True)


def test_title_matches_come_first_then_relevance(forum, client):
    response = _search(client, "financement")

    titles = _titles(response)
    assert _found(response) == 2  # the title, and the post that says "financements"
    assert "titre" in response.get_data(as_text=True)
    assert titles[0] == "Financer sa préparation avec le CPF"


def test_every_word_is_required(forum, client):
    assert _found(_search(client, "cumuler OPCO")) == 2
    assert _found(_search(client, "cumuler finale")) == 0


@pytest.mark.parametrize(
    "query",
    [
        '"CPF',
        "CPF AND OR NOT",
        "finale*",
        "NEAR(cpf opco)",
        "cpf\x00opco",
        "title: cpf",
        "-cpf",
        "'; DROP TABLE posts; --",
        "𝐜𝐩𝐟",
    ],
)
def test_odd_queries_answer_results_not_errors(forum, client, query):
    response = _search(client, query)

    assert response.status_code == 200
    _found(response)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("x" * 10_000, "trop longue"),
        ("***", "Tapez au moins un mot"),
        ("le la de", "Tapez au moins un mot"),
        (" ".join(f"mot{n}" for n in range(20)), "mots au plus"),
    ],
)
def test_a_query_that_cannot_run_gets_a_french_message_by_the_box(forum, client, query, message):
    response = _search(client, query)

    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert re.search(rf'<p class="error" id="search-q-error">[^<]*{message}', text)
    assert 'aria-invalid="true"' in text


def test_filters_narrow_the_results(forum, client):
    assert _found(_search(client, "maquette", topic="deroulement-concours")) == 1
    assert _found(_search(client, "maquette", topic="financement")) == 0
    assert _found(_search(client, "maquette", trade="ebenisterie")) == 1
    assert _found(_search(client, "cumuler", author="marc-ebeniste")) == 1
    today = utcnow().date()
    assert _found(_search(client, "cumuler", since=str(today))) == 2
    assert _found(_search(client, "cumuler", until=str(today - timedelta(days=1)))) == 0


def test_bad_filters_are_named_in_french(forum, client):
    response = _search(
        client, "cpf", topic="nulle-part", author="personne", since="31/03/2026", trade="x"
    )

    text = response.get_data(as_text=True)
    assert response.status_code == 400
    for field, message in [
        ("topic", "Cette rubrique n"),
        ("trade", "Ce métier n"),
        ("author", "Aucun membre"),
        ("since", "2026-03-31"),
    ]:
        assert re.search(rf'id="search-{field}-error">[^<]*{message}', text), field
    assert 'value="personne"' in text  # nothing typed is lost


def test_no_result_suggests_what_to_try(forum, client):
    response = _search(client, "tournage", topic="financement")

    text = response.get_data(as_text=True)
    assert _found(response) == 0
    assert "retirez les filtres" in text and "vérifiez l&#39;orthographe" in text
    assert 'href="/search?q=tournage"' in text


def test_results_come_twenty_a_page(app, client):
    with app.app_context():
        thread = make_thread(title="Les aides", body="Rien ici.")
        author = make_user()
        for number in range(25):
            make_post(thread=thread, author=author, body=f"Le FAFCEA, réponse {number}.")

    first, second = _search(client, "fafcea"), _search(client, "fafcea", page=2)
    beyond = _search(client, "fafcea", page=9)

    assert _found(first) == 25
    assert first.get_data(as_text=True).count('class="search-hit"') == 20
    assert second.get_data(as_text=True).count('class="search-hit"') == 5
    assert 'href="/search?q=fafcea&amp;page=2"' in first.get_data(as_text=True)
    assert beyond.status_code == 302 and "page=2" in beyond.headers["Location"]


def test_the_search_box_is_in_the_header_of_every_page(forum, client):
    for path in ("/", "/trades", f"/t/{forum['cpf']}", "/privacy"):
        page = client.get(path, follow_redirects=True).get_data(as_text=True)
        assert 'action="/search"' in page and 'name="q"' in page, path


def test_search_speaks_english_too(forum, client):
    client.post("/locale", data={"locale": "en"})

    response = _search(client, "financement")
    empty = _search(client, "le")

    assert "results" in response.get_data(as_text=True)
    assert "Type at least one word" in empty.get_data(as_text=True)


# --- only what the searcher may read --------------------------------------------------------


def test_hidden_pending_deleted_and_restricted_posts_are_not_found(app, client, login_as):
    with app.app_context():
        moderator = make_user(role=Role.MODERATOR)
        admin = make_user(role=Role.ADMIN)
        thread = make_thread(title="Questions diverses", body="Bonjour.")
        hidden = make_post(thread=thread, body="Le mot zanzibar, masqué.")
        deleted = make_post(thread=thread, body="Le mot tombouctou, supprimé.")
        make_post(thread=thread, author=make_user(username="gelee"), body="Le mot ouagadougou.")
        posting.reply(
            make_user(),
            thread,
            body=posting.quote_markdown(hidden) + "D'accord.",
            quoted_post_id=hidden.id,
        )
        moderation.hide_post(moderator, hidden, Grounds("Hors charte", "respect"))
        posting.delete_post(deleted.author, deleted)
        restriction.restrict(admin, username="gelee", reason="Contestation en cours")
        app.config["MODERATION_NEW_MEMBER_APPROVALS"] = 1
        make_thread(author=make_user(), title="Attente kilimandjaro", body="Le mot kilimandjaro.")
        app.config["MODERATION_NEW_MEMBER_APPROVALS"] = 0

    words = ("zanzibar", "tombouctou", "ouagadougou", "kilimandjaro")
    for who in (None, Role.MEMBER, Role.COET_STAFF):
        if who is not None:
            login_as(who)
        assert {word: _found(_search(client, word)) for word in words} == dict.fromkeys(words, 0)
    login_as(Role.MODERATOR)
    assert _found(_search(client, "zanzibar")) == 1  # moderators read hidden posts
    login_as(Role.ADMIN)
    assert _found(_search(client, "ouagadougou")) == 1


def test_a_restricted_members_thread_title_is_not_found(app, client, login_as):
    with app.app_context():
        author = make_user(username="geleur")
        make_thread(author=author, title="Sujet caravansérail", body="Bonjour.")
        restriction.restrict(make_user(role=Role.ADMIN), username="geleur", reason="Contestation")
    login_as(Role.MEMBER)

    assert _found(_search(client, "caravanserail")) == 0


# --- the index follows every write ----------------------------------------------------------


def test_an_edit_a_new_title_and_a_merge_are_found_at_once(app, client):
    with app.app_context():
        moderator = make_user(role=Role.MODERATOR)
        thread = make_thread(title="Premier titre", body="Texte avec gouache.")
        post = db.session.get(Post, posting.first_post_id(thread))
        posting.edit_post(post.author, post, body="Texte avec aquarelle.")
        other = make_thread(title="Autre discussion", body="Encore de la sanguine.")
        moderation.merge_threads(moderator, other, thread, Grounds("Même sujet ici", "on_topic"))
        renamed = db.session.get(Thread, thread.id)
        renamed.title = "Titre corrigé vermillon"
        db.session.commit()

    assert _found(_search(client, "gouache")) == 0
    assert _found(_search(client, "aquarelle")) == 1
    assert _found(_search(client, "sanguine")) == 1
    assert _found(_search(client, "vermillon")) == 1 and _found(_search(client, "premier")) == 0


def test_erasure_and_retention_take_text_out_of_the_index(app, client, time_machine):
    time_machine.move_to("2026-06-01 10:00", tick=True)
    with app.app_context():
        member = make_user(username="partante")
        thread = make_thread(author=member, title="Ma question platane", body="Le mot baobab.")
        reply = make_post(thread=thread, author=make_user(), body="Le mot séquoia.")
        posting.delete_post(reply.author, reply)
        erasure.schedule_erasure(member, password=PASSWORD, content="delete")
        time_machine.shift(60 * 60 * 24 * 40)
        erasure.run_due_erasures()
        retention_rules.apply_retention()
        assert db.session.scalar(select(Post.source).where(Post.id == reply.id)) == ""

    for word in ("platane", "baobab", "sequoia"):
        assert _found(_search(client, word)) == 0, word


def test_a_member_searching_finds_their_own_hidden_post(app, client):
    with app.app_context():
        author = make_user(username="autrice")
        post = make_post(author=author, body="Le mot tamarinier.")
        moderation.hide_post(
            make_user(role=Role.MODERATOR), post, Grounds("Hors sujet", "on_topic")
        )
        session_id = open_session(db.session.get(User, author.id))
    with client.session_transaction() as session:
        session["_user_id"] = session_id

    response = _search(client, "tamarinier")

    assert _found(response) == 1 and "masqué" in response.get_data(as_text=True)


@pytest.mark.sqlite_only
def test_the_index_is_rebuilt_from_the_tables_after_a_migration(app, client):
    """`flask db upgrade` to 0018 fills the index of what was written before it."""
    from forum import search_index

    with app.app_context():
        make_thread(title="Avant la migration", body="Le mot palissandre.")
        with db.engine.begin() as connection:
            connection.exec_driver_sql("DELETE FROM post_search")
            connection.exec_driver_sql("DELETE FROM thread_search")
    assert _found(_search(client, "palissandre")) == 0

    with app.app_context(), db.engine.begin() as connection:
        search_index.rebuild(connection)

    assert _found(_search(client, "palissandre")) == 1
    assert _found(_search(client, "migration")) == 1


def test_what_is_typed_comes_back_escaped(forum, client):
    response = _search(client, "<script>alert(1)</script> cpf", author='"><img src=x>')

    text = response.get_data(as_text=True)
    assert "<script>alert(1)" not in text and "<img src=x>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; cpf" in text


def test_searching_is_rate_limited(app_factory):
    client = app_factory(SEARCH_LIMIT="2 per minute").test_client()

    answers = [client.get("/search", query_string={"q": "cpf"}).status_code for _ in range(3)]

    assert answers == [200, 200, 429]


def test_the_topics_index_lists_every_topic_and_the_breadcrumb_leads_there(forum, client):
    index = client.get("/topics").get_data(as_text=True)
    listing = client.get("/topics/financement").get_data(as_text=True)

    assert 'href="/topics/financement"' in index and 'href="/topics/deroulement-concours"' in index
    assert "1 discussion" in index
    assert 'href="/topics">Sujets</a>' in listing


@pytest.mark.parametrize(
    "filters",
    [
        {"until": "9999-12-31"},
        {"since": "0001-01-01"},
        {"topic": "finance\x00ment"},
        {"trade": "\x00"},
        {"author": "lea\x00"},
    ],
)
def test_extreme_or_nul_filters_answer_without_error(forum, client, filters):
    response = _search(client, "cpf", **filters)

    assert response.status_code in (200, 400)


def test_a_long_post_gives_its_excerpt_without_reading_it_all(forum, client):
    """The excerpt stops reading past the passage it shows (a 50,000-character post)."""
    from forum.services import search

    text = "mot " * 12_000 + "financement final."
    found_early = search.excerpt("financement " + text, ["financement"])

    passage = search.excerpt(text, ["financement"])
    assert "<mark>" not in passage and passage.startswith("mot mot") and len(passage) < 300
    assert found_early.startswith("<mark>financement</mark>") and len(found_early) < 300
