"""The forum through HTTP: lists, threads, posts, profiles, administration of the taxonomy."""

import pytest

from forum.extensions import db
from forum.models import Post, Role
from forum.services import posting, taxonomy
from tests.factories import make_post, make_taxonomy, make_thread, make_user, open_session


@pytest.fixture
def thread(app):
    with app.app_context():
        thread = make_thread(
            author=make_user(username="auteur"), trades=("boulangerie",), title="Préparer la finale"
        )
        return {"id": thread.id, "slug": thread.slug, "path": f"/t/{thread.id}-{thread.slug}"}


def _page(client, path):
    response = client.get(path)
    return response, response.get_data(as_text=True)


def test_the_home_shows_latest_threads_topics_and_trade_groups(client, thread):
    response, page = _page(client, "/")

    assert response.status_code == 200
    assert "Préparer la finale" in page
    assert "Financement du concours" in page and "Métiers de la restauration" in page
    assert "indépendant du comité d'organisation" in page


def test_the_trades_page_lists_every_group_with_counts(client, thread):
    _, page = _page(client, "/trades")

    assert "Boulangerie" in page and "1 discussion" in page
    assert page.count('class="trade-group"') == 17


@pytest.mark.parametrize(
    "path",
    [
        "/trades/boulangerie",
        "/topics/financement",
        "/trades/boulangerie?topic=financement",
        "/topics/financement?trade=boulangerie",
    ],
)
def test_lists_by_trade_by_topic_and_by_both_show_the_thread(client, thread, path):
    response, page = _page(client, path)

    assert response.status_code == 200 and "Préparer la finale" in page


@pytest.mark.parametrize(
    "path", ["/trades/glacier", "/topics/divers", "/trades/boulangerie?topic=divers"]
)
def test_lists_of_other_trades_or_topics_do_not(client, thread, path):
    response, page = _page(client, path)

    assert response.status_code == 200 and "Préparer la finale" not in page


@pytest.mark.parametrize(
    "path",
    [
        "/trades/inconnu",
        "/topics/inconnu",
        "/trades/boulangerie?topic=inconnu",
        "/t/999999",
        "/p/999999",
        "/u/personne",
    ],
)
def test_unknown_things_answer_404(client, thread, path):
    assert client.get(path).status_code == 404


@pytest.mark.parametrize(
    "page", ["abc", "0", "-1", "1.5", "01", "²", "１", "9" * 5000, "99999999999999999999"]
)
def test_a_page_that_is_not_a_positive_number_answers_404(client, thread, page):
    assert client.get(f"{thread['path']}?page={page}").status_code == 404
    assert client.get(f"/topics/financement?page={page}").status_code == 404


def test_a_page_past_the_end_leads_to_the_last_page(client, thread):
    response = client.get(f"{thread['path']}?page=40")

    assert response.status_code == 302
    assert response.headers["Location"] == thread["path"]


def test_the_short_thread_address_redirects_to_the_canonical_one(client, thread):
    response = client.get(f"/t/{thread['id']}?page=1")

    assert response.status_code == 301
    assert response.headers["Location"] == thread["path"]


def test_a_wrong_slug_redirects_to_the_canonical_address(client, thread):
    response = client.get(f"/t/{thread['id']}-ancien-titre")

    assert response.status_code == 301 and response.headers["Location"] == thread["path"]


def test_a_thread_of_500_posts_is_paginated_20_by_20(app, client, thread):
    with app.app_context():
        author = make_user()
        target = db.session.get(posting.Thread, thread["id"])
        for n in range(2, 501):
            db.session.add(
                Post(
                    thread=target,
                    author=author,
                    source=f"n°{n}",
                    html=f"<p>n°{n}</p>",
                    created_at=target.created_at,
                )
            )
        target.post_count = 500
        db.session.commit()
        last_post_id = db.session.scalar(db.select(db.func.max(Post.id)))

    first = client.get(thread["path"]).get_data(as_text=True)
    last = client.get(f"{thread['path']}?page=25").get_data(as_text=True)
    permalink = client.get(f"/p/{last_post_id}")

    assert first.count('class="post"') == 20 and "Page 1 sur 25" in first
    assert "<p>n°500</p>" in last and "<p>n°480</p>" not in last and "<p>n°481</p>" in last
    assert permalink.headers["Location"] == f"{thread['path']}?page=25#p{last_post_id}"
    assert client.get(f"{thread['path']}?page=26").headers["Location"].endswith("page=25")


def test_a_member_opens_a_thread_with_a_topic_and_trades(app, login_as, client):
    with app.app_context():
        make_taxonomy()
        topic_id = taxonomy.get_topic("dossier-maquette").id
        trade_ids = [taxonomy.get_trade(s).id for s in ("ebenisterie", "marqueterie")]
    login_as()

    response = client.post(
        "/threads/new",
        data={
            "title": "Ma maquette en marqueterie",
            "body": "Voici **mon plan**.",
            "topic": topic_id,
            "trades": trade_ids,
        },
    )
    page = client.get(response.headers["Location"]).get_data(as_text=True)

    assert response.status_code == 302
    assert "Ma maquette en marqueterie" in page and "<strong>mon plan</strong>" in page
    assert "Ébénisterie" in page and "Marqueterie" in page
    assert "Ma maquette en marqueterie" in client.get(
        "/trades/marqueterie?topic=dossier-maquette"
    ).get_data(as_text=True)


def test_a_refused_thread_keeps_everything_typed_with_messages_next_to_fields(
    app, login_as, client
):
    with app.app_context():
        make_taxonomy()
        trade_ids = [taxonomy.get_trade(s).id for s in ("glacier", "fromager", "primeur", "barman")]
    login_as()

    response = client.post(
        "/threads/new",
        data={
            "title": "Ok",
            "body": "Mon long texte à ne pas perdre",
            "topic": "",
            "trades": trade_ids,
        },
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    for field in ("title", "topic", "trades"):
        assert f'id="{field}-error"' in page
    assert "Mon long texte à ne pas perdre" in page and 'value="Ok"' in page
    assert page.count('" checked>') == len(trade_ids)  # every trade ticked, still ticked


@pytest.mark.parametrize(
    "data",
    [
        {"title": "Un bon titre", "body": "x", "topic": "abc", "trades": ["x", "1"]},
        {"title": ["a", "b"], "body": "x", "topic": "99999999999999999999999"},
        {},
    ],
)
def test_odd_thread_input_never_produces_a_server_error(app, login_as, client, data):
    with app.app_context():
        make_taxonomy()
    login_as()

    assert client.post("/threads/new", data=data).status_code in (302, 400)


def test_the_new_thread_form_is_prefilled_from_the_list_it_came_from(app, login_as, client):
    with app.app_context():
        make_taxonomy()
        trade_id = taxonomy.get_trade("boulangerie").id
    login_as()

    page = client.get("/threads/new?topic=financement&trade=boulangerie").get_data(as_text=True)

    assert f'value="{trade_id}" checked>' in page


def test_visitors_are_sent_to_login_to_post(client, thread):
    assert client.get("/threads/new").status_code == 302
    assert client.post(f"/t/{thread['id']}", data={"body": "x"}).status_code == 302


def test_a_member_replies_and_lands_on_the_new_post(login_as, client, thread):
    login_as()

    response = client.post(f"/t/{thread['id']}", data={"body": "Bon courage !"})

    assert response.status_code == 302
    assert response.headers["Location"].startswith(f"{thread['path']}#p")
    assert "Bon courage !" in client.get(thread["path"]).get_data(as_text=True)


def test_an_empty_reply_says_so_next_to_the_field(login_as, client, thread):
    login_as()

    response = client.post(f"/t/{thread['id']}", data={"body": "  "})

    assert response.status_code == 400
    assert 'id="body-error"' in response.get_data(as_text=True)


def test_an_overlong_reply_is_refused_and_kept_up_to_its_maximum_length(login_as, client, thread):
    login_as()
    body = "é" * 50_000 + "à" * 10

    response = client.post(f"/t/{thread['id']}", data={"body": body})

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "il en fait 50 010" in page and "seuls les 50 000 premiers" in page
    assert "é" * 50_000 + "</textarea>" in page and "à" * 10 not in page


def test_quoting_prefills_the_reply_and_links_the_quote(app, login_as, client, thread):
    with app.app_context():
        quoted = make_post(
            thread=db.session.get(posting.Thread, thread["id"]), body="Le **FAFCEA** aide."
        )
        quoted_id, quoted_author = quoted.id, quoted.author.username
    login_as()

    form = client.get(f"{thread['path']}?quote={quoted_id}").get_data(as_text=True)
    client.post(
        f"/t/{thread['id']}",
        data={"body": f"> Le **FAFCEA** aide.\n\nMerci @{quoted_author}", "quote_of": quoted_id},
    )
    page = client.get(thread["path"]).get_data(as_text=True)

    assert f"@{quoted_author}" in form and "&gt; Le **FAFCEA** aide." in form
    assert f'name="quote_of" type="hidden" value="{quoted_id}"' in form
    assert f'href="/p/{quoted_id}"' in page


def test_authors_edit_their_post_and_it_shows_as_modified(app, client, thread):
    with app.app_context():
        author = make_user()
        post = make_post(
            thread=db.session.get(posting.Thread, thread["id"]), author=author, body="Avant"
        )
        post_id, session_id = post.id, open_session(author)
    with client.session_transaction() as session:
        session["_user_id"] = session_id

    form = client.get(f"/p/{post_id}/edit").get_data(as_text=True)
    response = client.post(f"/p/{post_id}/edit", data={"body": "Après"})
    page = client.get(thread["path"]).get_data(as_text=True)

    assert "Avant</textarea>" in form
    assert response.status_code == 302
    assert "<p>Après</p>" in page and "modifié" in page


def test_someone_else_cannot_edit_or_delete_a_post(app, login_as, client, thread):
    with app.app_context():
        post_id = make_post(thread=db.session.get(posting.Thread, thread["id"])).id
    login_as()

    assert client.get(f"/p/{post_id}/edit").status_code == 403
    assert client.post(f"/p/{post_id}/edit", data={"body": "x"}).status_code == 403
    assert client.post(f"/p/{post_id}/delete").status_code == 403


def test_a_deleted_post_leaves_a_placeholder(app, client, thread):
    with app.app_context():
        post = make_post(thread=db.session.get(posting.Thread, thread["id"]), body="Texte secret")
        post_id, session_id = post.id, open_session(post.author)
    visitor = client.application.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = session_id

    client.post(f"/p/{post_id}/delete")
    seen_by_visitor = visitor.get(thread["path"]).get_data(as_text=True)

    assert "Message supprimé." in seen_by_visitor and "Texte secret" not in seen_by_visitor


@pytest.mark.parametrize(
    ("role", "status"),
    [(Role.MEMBER, 403), (Role.COET_STAFF, 403), (Role.MODERATOR, 200), (Role.ADMIN, 200)],
)
def test_only_moderators_see_the_edit_history(app, login_as, client, thread, role, status):
    with app.app_context():
        post = make_post(thread=db.session.get(posting.Thread, thread["id"]), body="Version 1")
        posting.edit_post(post.author, post, body="Version 2")
        post_id = post.id
    login_as(role)

    response = client.get(f"/p/{post_id}/history")

    assert response.status_code == status
    if status == 200:
        assert "Version 1" in response.get_data(as_text=True)


def test_coet_staff_posts_carry_the_official_badge(app, client, thread):
    with app.app_context():
        staff = make_user(role=Role.COET_STAFF)
        make_post(thread=db.session.get(posting.Thread, thread["id"]), author=staff)

    assert "Officiel COET-MOF" in client.get(thread["path"]).get_data(as_text=True)


def test_profile_fields_show_only_when_the_member_chose_to(app, client, login_as):
    user = login_as()
    with app.app_context():
        make_taxonomy()
        glacier = taxonomy.get_trade("glacier").id
    client.post(
        "/me/profile",
        data={
            "display_name": "Léa M.",
            "trades": [glacier],
            "region": "BRE",
            "edition": "28",
            "bio": "J'aime le **sorbet**.",
            "show_trades": "y",
        },
    )
    visitor = app.test_client()

    public = visitor.get(f"/u/{user.username}").get_data(as_text=True)
    own = client.get(f"/u/{user.username}").get_data(as_text=True)

    assert "Glacier" in public and "Léa M." not in public
    assert "Bretagne" not in public and "28e session" not in public
    assert "<strong>sorbet</strong>" not in public
    assert "Bretagne" in own and "28e session" in own and "<strong>sorbet</strong>" in own
    assert "Léa M." in own


def test_a_bad_profile_keeps_the_input_and_explains(login_as, client):
    login_as()

    response = client.post(
        "/me/profile", data={"display_name": "x" * 61, "region": "ZZZ", "bio": "Ma présentation"}
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="display_name-error"' in page and 'id="region-error"' in page
    assert "Ma présentation" in page


def test_the_profile_shows_post_count_and_recent_posts(app, client, thread):
    page = client.get("/u/auteur").get_data(as_text=True)

    assert "Préparer la finale" in page and "<dd>1</dd>" in page


@pytest.mark.parametrize(
    ("role", "status"),
    [(Role.MEMBER, 403), (Role.MODERATOR, 403), (Role.COET_STAFF, 403), (Role.ADMIN, 200)],
)
def test_the_taxonomy_administration_is_for_admins(app, login_as, client, role, status):
    with app.app_context():
        make_taxonomy()
    login_as(role)

    assert client.get("/admin/taxonomy").status_code == status


def test_an_admin_renames_a_topic_and_the_old_address_redirects(app, login_as, client, thread):
    login_as(Role.ADMIN)
    with app.app_context():
        topic_id = taxonomy.get_topic("financement").id

    client.post(f"/admin/taxonomy/topics/{topic_id}/rename", data={"name": "Financer le concours"})
    response = client.get("/topics/financement?page=1")

    assert response.status_code == 301
    assert response.headers["Location"] == "/topics/financer-le-concours"
    assert "Préparer la finale" in client.get("/topics/financer-le-concours").get_data(as_text=True)


def test_an_admin_merges_a_trade_from_the_page(app, login_as, client, thread):
    login_as(Role.ADMIN)
    with app.app_context():
        source, target = taxonomy.get_trade("boulangerie").id, taxonomy.get_trade("glacier").id

    client.post("/admin/taxonomy/trades/merge", data={"source": source, "target": target})

    assert client.get("/trades/boulangerie").headers["Location"] == "/trades/glacier"
    assert "Préparer la finale" in client.get("/trades/glacier").get_data(as_text=True)


def test_a_refused_taxonomy_change_is_explained(app, login_as, client, thread):
    login_as(Role.ADMIN)
    with app.app_context():
        trade_id = taxonomy.get_trade("glacier").id

    response = client.post(
        f"/admin/taxonomy/trades/{trade_id}/rename", data={"name": "Boulangerie"}
    )

    assert response.status_code == 400
    assert "déjà utilisé" in response.get_data(as_text=True)


def test_an_admin_adds_a_trade_with_a_message_when_the_name_is_missing(app, login_as, client):
    with app.app_context():
        make_taxonomy()
    login_as(Role.ADMIN)

    response = client.post("/admin/taxonomy/trades/new", data={"name": "", "group": "1"})

    assert response.status_code == 400 and 'id="name-error"' in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "query",
    [
        "slug=x",
        "thread_id=2",
        "_method=POST",
        "endpoint=x",
        "_anchor=x",
        "_external=1",
        "page=99&slug=x",
    ],
)
@pytest.mark.parametrize("kind", ["thread", "short", "trade", "topic"])
def test_odd_query_arguments_are_ignored_never_a_server_error(client, thread, kind, query):
    path = {
        "thread": thread["path"],
        "short": f"/t/{thread['id']}",
        "trade": "/trades/boulangerie",
        "topic": "/topics/financement",
    }[kind]

    response = client.get(f"{path}?{query}")

    assert response.status_code in (200, 301, 302)
    assert "slug=" not in response.headers.get("Location", "")


def test_an_admin_describes_a_topic(app, login_as, client):
    with app.app_context():
        make_taxonomy()
        topic_id = taxonomy.get_topic("divers").id
    login_as(Role.ADMIN)

    client.post(
        f"/admin/taxonomy/topics/{topic_id}/rename",
        data={"name": "Divers", "description": "Tout le reste, entre candidats."},
    )

    assert "Tout le reste, entre candidats." in client.get("/topics/divers").get_data(as_text=True)


def test_a_retired_trade_cannot_be_added_to_a_profile(app, login_as, client):
    login_as()
    with app.app_context():
        make_taxonomy()
        trade = taxonomy.get_trade("glacier")
        taxonomy.set_retired(make_user(role=Role.ADMIN), trade, retired=True)
        trade_id = trade.id

    response = client.post("/me/profile", data={"trades": [trade_id]})

    assert response.status_code == 400
    assert 'id="trades-error"' in response.get_data(as_text=True)


def test_publishing_is_throttled_per_member(app_factory):
    app = app_factory(POST_LIMIT="2 per hour")
    with app.app_context():
        thread = make_thread()
        member = make_user()
        thread_id, session_id = thread.id, open_session(member)
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = session_id

    statuses = [
        client.post(f"/t/{thread_id}", data={"body": f"n°{n}"}).status_code for n in range(3)
    ]
    refused = client.post(f"/t/{thread_id}", data={"body": "   "})

    assert statuses == [302, 302, 429]
    assert refused.status_code == 429
    assert "Trop de tentatives" in client.post(f"/t/{thread_id}", data={"body": "x"}).get_data(
        as_text=True
    )
