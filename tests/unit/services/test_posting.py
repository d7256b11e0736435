import threading

import pytest
from sqlalchemy import func, select

from forum import pagination, policy
from forum.errors import InvalidInput, NotAllowed
from forum.extensions import db
from forum.models import Post, PostRevision, Role, Thread, User
from forum.services import posting, taxonomy
from tests.factories import make_post, make_taxonomy, make_thread, make_user


@pytest.fixture(autouse=True)
def _taxonomy(app_ctx):
    make_taxonomy()


def _ids(*slugs):
    return [taxonomy.get_trade(slug).id for slug in slugs]


def test_a_thread_has_one_topic_its_trades_and_a_first_post(app_ctx):
    author = make_user()

    thread = make_thread(author=author, trades=("boulangerie", "patisserie-confiserie"))

    assert thread.topic.slug == "financement"
    assert [trade.slug for trade in thread.trades] == ["boulangerie", "patisserie-confiserie"]
    assert thread.post_count == 1 and thread.last_poster_id == author.id
    assert thread.slug == "financer-sa-preparation-avec-le-cpf"
    first = db.session.scalar(select(Post).where(Post.thread_id == thread.id))
    assert "<strong>CPF</strong>" in first.html and first.source.startswith("Qui a déjà")


def test_opening_a_thread_counts_it_in_its_topic_and_trades(app_ctx):
    make_thread(trades=("boulangerie",))
    make_thread(trades=("boulangerie", "glacier"))

    assert taxonomy.get_topic("financement").thread_count == 2
    assert taxonomy.get_trade("boulangerie").thread_count == 2
    assert taxonomy.get_trade("glacier").thread_count == 1


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"title": "Allô"}, "title"),
        ({"title": "x" * 151}, "title"),
        ({"body": "   "}, "body"),
        ({"body": "x" * 50_001}, "body"),
        ({"topic_id": None}, "topic"),
        ({"topic_id": 999_999}, "topic"),
        ({"trade_ids": [1, 2, 3, 4]}, "trades"),
        ({"trade_ids": [999_999]}, "trades"),
    ],
)
def test_bad_thread_input_is_refused_on_the_right_field(app_ctx, values, field):
    topic_id = taxonomy.get_topic("financement").id
    arguments = {"title": "Un bon titre", "body": "Un message", "topic_id": topic_id} | values

    with pytest.raises(InvalidInput) as error:
        posting.create_thread(make_user(), **arguments)

    assert field in error.value.errors
    assert db.session.scalar(select(func.count()).select_from(Thread)) == 0


def test_every_problem_of_a_thread_is_reported_at_once(app_ctx):
    with pytest.raises(InvalidInput) as error:
        posting.create_thread(make_user(), title="", body="", topic_id=None, trade_ids=[])

    assert set(error.value.errors) == {"title", "body", "topic"}


def test_a_retired_topic_or_trade_takes_no_new_thread(app_ctx):
    admin = make_user(role=Role.ADMIN)
    taxonomy.set_retired(admin, taxonomy.get_trade("glacier"), retired=True)
    taxonomy.set_retired(admin, taxonomy.get_topic("divers"), retired=True)

    with pytest.raises(InvalidInput) as error:
        posting.create_thread(
            make_user(),
            title="Un bon titre",
            body="Message",
            topic_id=taxonomy.get_topic("divers").id,
            trade_ids=_ids("glacier"),
        )

    assert {"topic", "trades"} <= set(error.value.errors)


def test_a_reply_moves_the_thread_counters_in_the_same_transaction(app_ctx):
    thread = make_thread()
    replier = make_user()

    post = posting.reply(replier, thread, body="Oui, **deux fois**.")

    assert thread.post_count == 2 and thread.reply_count == 1
    assert thread.last_poster_id == replier.id and thread.last_posted_at == post.created_at


def test_an_empty_reply_is_refused_and_counts_nothing(app_ctx):
    thread = make_thread()

    with pytest.raises(InvalidInput):
        posting.reply(make_user(), thread, body=" \n ")

    assert db.session.get(Thread, thread.id).post_count == 1


def test_an_unverified_member_cannot_post(app_ctx):
    with pytest.raises(NotAllowed):
        make_thread(author=make_user(verified=False))


def test_a_reply_can_quote_a_post_and_records_which(app_ctx):
    original = make_post(body="Le FAFCEA finance les artisans.")
    quote = posting.quote_markdown(original)

    reply = posting.reply(
        make_user(), original.thread, body=quote + "Merci !", quoted_post_id=original.id
    )

    assert reply.quoted_post_id == original.id
    assert "<blockquote>" in reply.html and "FAFCEA" in reply.html
    assert f"@{original.author.username}" in quote


def test_quoting_a_deleted_post_is_refused(app_ctx):
    original = make_post()
    posting.delete_post(original.author, original)

    with pytest.raises(InvalidInput) as error:
        posting.reply(make_user(), original.thread, body="x", quoted_post_id=original.id)

    assert "quote_of" in error.value.errors


def test_editing_keeps_the_former_version(app_ctx):
    post = make_post(body="Première version")

    posting.edit_post(post.author, post, body="Seconde version")

    assert post.source == "Seconde version" and post.edited_at is not None
    (revision,) = posting.list_revisions(post)
    assert revision.source == "Première version" and revision.editor_id == post.author_id


def test_only_the_author_may_edit_or_delete_a_post(app_ctx):
    post = make_post()
    other = make_user()

    with pytest.raises(NotAllowed):
        posting.edit_post(other, post, body="Piraté")
    with pytest.raises(NotAllowed):
        posting.delete_post(other, post)


def test_saving_an_unchanged_post_adds_no_revision(app_ctx):
    post = make_post(body="Pareil")

    posting.edit_post(post.author, post, body="Pareil")

    assert db.session.scalar(select(func.count()).select_from(PostRevision)) == 0
    assert post.edited_at is None


def test_a_deleted_post_keeps_its_place_and_cannot_be_edited(app_ctx):
    post = make_post()

    posting.delete_post(post.author, post)

    assert post.is_deleted
    assert posting.list_posts(post.thread).items[-1].id == post.id
    with pytest.raises(InvalidInput) as error:
        posting.edit_post(post.author, post, body="Revenu")
    assert "supprimé entre-temps" in error.value.message


def test_a_post_knows_its_page(app_ctx):
    thread = make_thread()
    author = make_user()
    posts = [posting.reply(author, thread, body=f"n°{n}") for n in range(1, 45)]

    assert posting.page_of_post(posts[0]) == 1  # the 2nd post of the thread
    assert posting.page_of_post(posts[18]) == 1  # the 20th
    assert posting.page_of_post(posts[19]) == 2  # the 21st
    assert posting.page_of_post(posts[-1]) == 3


def test_a_page_past_the_end_points_to_the_last_one(app_ctx):
    thread = make_thread()

    with pytest.raises(pagination.PageOutOfRange) as out:
        posting.list_posts(thread, page=5)

    assert out.value.last == 1


def test_lists_show_pinned_threads_first_then_the_latest_activity(app_ctx, time_machine):
    time_machine.move_to("2026-01-01 10:00")
    older = make_thread(title="Le plus ancien")
    time_machine.move_to("2026-01-02 10:00")
    newer = make_thread(title="Le plus récent")
    time_machine.move_to("2026-01-03 10:00")
    pinned = make_thread(title="Épinglé mais ancien")
    pinned.is_pinned = True
    time_machine.move_to("2026-01-04 10:00")
    make_post(thread=older)
    db.session.commit()

    page = posting.list_threads(topic=taxonomy.get_topic("financement"))

    assert [t.id for t in page.items] == [pinned.id, older.id, newer.id]


def test_lists_combine_a_topic_and_a_trade(app_ctx):
    both = make_thread(topic="financement", trades=("boulangerie",))
    make_thread(topic="financement", trades=("glacier",))
    make_thread(topic="divers", trades=("boulangerie",))

    page = posting.list_threads(
        topic=taxonomy.get_topic("financement"), trade=taxonomy.get_trade("boulangerie")
    )

    assert [t.id for t in page.items] == [both.id]


def test_an_edit_started_from_an_older_version_is_refused_and_changes_nothing(app_ctx):
    post = make_post(body="Version 1")
    seen = post.version
    posting.edit_post(post.author, post, body="Version 2", version=seen)

    with pytest.raises(InvalidInput) as error:
        posting.edit_post(post.author, post, body="Version 2 bis", version=seen)

    assert "modifié entre-temps" in error.value.message
    assert post.source == "Version 2"
    assert [r.source for r in posting.list_revisions(post)] == ["Version 1"]


def test_two_concurrent_edits_cannot_both_win(app_ctx):
    post = make_post(body="Version 1")
    db.session.execute(
        Post.__table__.update().where(Post.id == post.id).values(version=Post.version + 1)
    )  # another request saved an edit in the meantime

    with pytest.raises(InvalidInput):
        posting.edit_post(post.author, post, body="Écrasé ?")

    db.session.expire_all()
    assert db.session.get(Post, post.id).source == "Version 1"


def test_a_failed_reply_leaves_the_counters_as_they_were(app_ctx):
    thread = make_thread()

    with pytest.raises(InvalidInput):
        posting.reply(make_user(), thread, body="x", quoted_post_id=999_999)

    db.session.expire_all()
    assert db.session.get(Thread, thread.id).post_count == 1


def test_a_post_with_thousands_of_table_cells_is_refused(app_ctx):
    body = "|a|b|\n|-|-|\n" + "|1|2|\n" * 1_200

    with pytest.raises(InvalidInput) as error:
        posting.reply(make_user(), make_thread(), body=body)

    assert "cellules" in error.value.message


@pytest.mark.parametrize("reader", ["visitor", "member", "moderator"])
def test_deep_pages_read_from_the_end_hold_the_same_posts(app_ctx, reader):
    """Pages past the middle are read backwards from the last post: page by page, every
    reader gets exactly the posts of the whole thread in order, placeholders included."""
    from forum.services import moderation
    from forum.services.moderation import Grounds

    thread = make_thread()
    member = make_user()
    moderator = make_user(role=Role.MODERATOR)
    for n in range(64):
        post = posting.reply(member if n % 9 == 0 else make_user(), thread, body=f"Réponse {n}")
        if n == 30:
            moderation.hide_post(moderator, post, Grounds("Hors sujet", "on_topic"))
        if n == 50:
            posting.delete_post(post.author, post)
    viewer = {"visitor": None, "member": member, "moderator": moderator}[reader]
    on_page = select(Post.id).where(
        Post.thread_id == thread.id, policy.posts_on_thread_page(viewer)
    )
    everything = list(db.session.scalars(on_page.order_by(Post.id)))
    pages = []
    for number in range(1, 5):
        page = posting.list_posts(thread, page=number, viewer=viewer)
        pages += [post.id for post in page.items]

    assert len(everything) == 65 and pages == everything


@pytest.mark.postgres_only
def test_concurrent_replies_tell_the_followers_one_after_the_other(app_ctx):
    """Replies sent at the same moment (a member's double click, a busy thread) are told to the
    thread's followers one after the other: the thread's row lock orders them. Told side by
    side, two found no notice yet and wrote two, or both wrote the author's follow."""
    from forum.models import Follow, Notification
    from forum.services import follows

    follower, author = make_user(username="suit-le-fil"), make_user(username="repond-vite")
    thread = make_thread(author=follower)
    follows.set_following(follower, thread, True)
    thread_id, author_id, follower_id = thread.id, author.id, follower.id
    app = app_ctx
    replies = 6
    barrier, failures = threading.Barrier(replies), []

    def reply(number: int) -> None:
        with app.app_context():
            try:
                barrier.wait()
                posting.reply(
                    db.session.get(User, author_id),
                    db.session.get(Thread, thread_id),
                    body=f"Réponse envoyée en même temps, numéro {number}",
                )
            except Exception as error:  # noqa: BLE001 - reported below
                failures.append(repr(error))
            finally:
                db.session.remove()

    workers = [threading.Thread(target=reply, args=(n,)) for n in range(replies)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert failures == []
    db.session.expire_all()
    notices = db.session.scalars(
        select(Notification).where(
            Notification.user_id == follower_id, Notification.kind == "reply"
        )
    ).all()
    assert [notice.count for notice in notices] == [replies]
    followed = select(func.count()).where(
        Follow.user_id == author_id, Follow.thread_id == thread_id
    )
    assert db.session.scalar(followed) == 1


def test_every_post_is_on_the_page_it_is_said_to_be_for_each_reader(app_ctx, monkeypatch):
    """Placed from the thread's end (a recent post) or counted from its start, with posts
    hidden, deleted and waiting for approval: each post is on its page, for each reader."""
    from forum.services import moderation
    from forum.services.moderation import Grounds

    thread = make_thread()
    author = make_user(username="auteur-fil")
    moderator = make_user(username="mode-fil", role=Role.MODERATOR)
    posts = [posting.reply(author, thread, body=f"n°{n}") for n in range(1, 70)]
    posting.delete_post(author, posts[30])
    moderation.hide_post(moderator, posts[50], Grounds("Hors sujet ici", "on_topic"))

    def check(readers):
        for reader in readers:
            for post in posts:
                if not policy.can_see_post(reader, post):
                    continue
                page = posting.page_of_post(post, reader)
                shown = posting.list_posts(thread, page=page, viewer=reader).items
                assert post.id in [item.id for item in shown], (reader, post.id, page)

    check([None, author, moderator])
    newcomer = make_user(username="nouveau-fil")
    monkeypatch.setitem(app_ctx.config, "MODERATION_NEW_MEMBER_APPROVALS", 1)
    waiting = posting.reply(newcomer, thread, body="En attente d'un modérateur")
    assert waiting.pending_at is not None
    posts.append(waiting)
    posts.append(posting.reply(author, thread, body="Après celui qui attend"))
    check([None, author, moderator, newcomer])
