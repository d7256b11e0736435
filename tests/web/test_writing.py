"""Writing comfortably: « Prévisualiser » on every post form (no JavaScript: the page comes
back with the rendered text above the kept draft, nothing published), drafts kept, and the
trades picker as grouped checkboxes."""

from __future__ import annotations

from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Message, Post, Thread
from forum.services import taxonomy
from tests.factories import make_post, make_taxonomy, make_thread, make_user


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def test_previewing_a_new_thread_publishes_nothing_and_keeps_everything(app, client, login_as):
    with app.app_context():
        make_taxonomy()
        topic_id = taxonomy.get_topic("financement").id
        trade_id = taxonomy.get_trade("boulangerie").id
    login_as()

    page = client.post(
        "/threads/new",
        data={
            "title": "Le FAFCEA pour un artisan",
            "topic": topic_id,
            "trades": [trade_id],
            "body": "Un **dossier** <script>alert(1)</script> complet.",
            "preview": "1",
        },
    ).get_data(as_text=True)

    assert 'class="preview"' in page and "<strong>dossier</strong>" in page
    assert "<script>alert(1)</script>" not in page  # sanitised like the published text
    assert 'value="Le FAFCEA pour un artisan"' in page
    assert f'value="{trade_id}" checked' in page
    with app.app_context():
        assert _count(Thread) == 0


def test_previewing_a_reply_an_edit_and_a_private_message(app, client, login_as):
    with app.app_context():
        thread = make_thread()
        make_user(username="destinataire")
        thread_id = thread.id
    login_as()
    with app.app_context():
        post_count = _count(Post)

    reply = client.post(f"/t/{thread_id}", data={"body": "Ma *réponse*", "preview": "1"})
    new = client.post(
        "/me/messages/new",
        data={"to": "destinataire", "title": "Bonjour", "body": "En **privé**", "preview": "1"},
    )

    assert reply.status_code == 200 and "<em>réponse</em>" in reply.get_data(as_text=True)
    assert "Ma *réponse*" in reply.get_data(as_text=True)  # the draft, as typed
    assert new.status_code == 200 and "<strong>privé</strong>" in new.get_data(as_text=True)
    with app.app_context():
        assert _count(Post) == post_count and _count(Message) == 0


def test_someone_elses_post_cannot_be_previewed_as_an_edit(app, client, login_as):
    with app.app_context():
        post_id = make_post().id
    login_as()

    response = client.post(f"/p/{post_id}/edit", data={"body": "Pas à moi", "preview": "1"})

    assert response.status_code == 403


def test_post_forms_keep_drafts_in_the_browser_and_offer_the_preview(app, client, login_as):
    with app.app_context():
        make_taxonomy()
        thread = make_thread()
        path = f"/t/{thread.id}-{thread.slug}"
    login_as()

    pages = [client.get(url).get_data(as_text=True) for url in ("/threads/new", path)]

    for page in pages:
        assert 'data-draft="1"' in page and 'name="preview" value="1"' in page


def test_the_trades_picker_groups_checkboxes_and_the_server_keeps_to_three(app, client, login_as):
    with app.app_context():
        make_taxonomy()
        topic_id = taxonomy.get_topic("financement").id
        four = [
            taxonomy.get_trade(slug).id
            for slug in ("boulangerie", "glacier", "fromager", "primeur")
        ]
    login_as()

    form = client.get("/threads/new").get_data(as_text=True)
    refused = client.post(
        "/threads/new",
        data={"title": "Quatre métiers", "topic": topic_id, "trades": four, "body": "Texte."},
    )

    assert "<summary>Métiers de l&#39;alimentation</summary>" in form
    assert 'type="checkbox" name="trades"' in form and "Maintenez Ctrl" not in form
    assert 'data-most="3"' in form
    assert refused.status_code == 400
    assert "Choisissez au plus 3 métiers." in refused.get_data(as_text=True)
    profile = client.get("/me/profile").get_data(as_text=True)
    assert 'type="checkbox" name="trades"' in profile
