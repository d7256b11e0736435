"""Demo data for `make run`: a lively forum in French, loaded only into an empty database.

Deterministic (seeded): the same members, threads and posts every time; dates are spread over
the two years before the load. Everything goes through the real services.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from flask import current_app
from PIL import Image, ImageDraw
from sqlalchemy import func, select

from forum import policy
from forum.extensions import db, keep_loaded_objects
from forum.models import Post, PostRevision, Role, Thread, User
from forum.models.base import utcnow
from forum.services import (
    accounts,
    calendar,
    follows,
    glossary,
    guides,
    messages,
    moderation,
    photos,
    posting,
    profiles,
    reactions,
    solutions,
    taxonomy,
)

CONTENT = Path(__file__).resolve().parent.parent / "data" / "demo_content.json"
SEED = 2026
# Printed by `flask demo load`: demo accounts are for a local machine only.
PASSWORD = "etabli-demo-2026!"
STAFF = [
    ("admin", Role.ADMIN),
    ("camille_moderation", Role.MODERATOR),
    ("coet_officiel", Role.COET_STAFF),
]
SHOWN_MEMBERS = 3  # how many ordinary members `demo load` prints, as examples


@dataclass
class DemoResult:
    created: bool
    accounts: list[tuple[str, str]] = field(default_factory=list)
    threads: int = 0
    posts: int = 0


# The posts the demo's reports are about, by reason: (topic of their thread, text).
REPORTED_POSTS = {
    "spam": (
        "dossier-maquette",
        "Gabarits de maquette à -50 % cette semaine seulement : commandez sur "
        "https://promo-gabarits.example et gagnez du temps !",
    ),
    "off_topic": (
        "financement",
        "Quelqu'un a vu le match hier soir ? Quelle fin de partie !",
    ),
    "personal_data": (
        "deroulement-concours",
        "Pour info, un membre du jury de ma classe habite au 12 rue des Artisans, à Dijon : "
        "je peux vous donner son numéro.",
    ),
}
DEMO_REPORT = {
    "spam": "Lien vers une boutique, sans rapport avec la question.",
    "off_topic": "Rien à voir avec le financement : à déplacer ?",
    "personal_data": "Il donne l'adresse d'un membre du jury.",
}


def _content() -> dict[str, Any]:
    return json.loads(CONTENT.read_text(encoding="utf-8"))


def _demo_email(username: str) -> str:
    return f"{username.replace('_', '.')}@demo.example.org"


@contextmanager
def _one_hash_for_the_demo_password() -> Iterator[None]:
    """Hash the shared demo password once (argon2id is slow on purpose), not once per account."""
    real = accounts.hasher()
    stored = real.hash(PASSWORD)

    class _Memo:
        def hash(self, password: str) -> str:
            return stored if password == PASSWORD else real.hash(password)

        def __getattr__(self, name: str) -> Any:
            return getattr(real, name)

    current_app.extensions["etabli.hasher"] = _Memo()
    try:
        yield
    finally:
        current_app.extensions["etabli.hasher"] = real


def _existing_accounts(content: dict[str, Any]) -> list[tuple[str, str]]:
    names = [name for name, _ in STAFF] + [m["username"] for m in content["members"]]
    found = []
    for username in names[: len(STAFF) + SHOWN_MEMBERS]:
        user = accounts.get_user_by_username(username)
        if user is not None:
            found.append((user.username, user.role.value))
    return found


def load() -> DemoResult:
    """Create the demo forum if the database has no member yet; list the demo accounts."""
    content = _content()
    if db.session.scalar(select(func.count()).select_from(User)):
        return DemoResult(created=False, accounts=_existing_accounts(content))
    taxonomy.load_reference()
    glossary.load_reference()  # before the posts: their first glossary terms are linked
    rng = random.Random(SEED)
    with _one_hash_for_the_demo_password(), keep_loaded_objects():
        staff = [_make_account(name, role) for name, role in STAFF]
        members = [_make_member(data, rng) for data in content["members"]]
        writer = _Writer(rng, staff, members, content, now=utcnow().replace(microsecond=0))
        writer.write_all()
        writer.date_the_members()
    return DemoResult(
        created=True,
        accounts=_existing_accounts(content),
        threads=writer.threads,
        posts=writer.posts,
    )


def _make_account(username: str, role: Role) -> User:
    return accounts.create_user(
        email=_demo_email(username), username=username, password=PASSWORD, role=role, via="demo"
    )


def _make_member(data: dict[str, Any], rng: random.Random) -> User:
    user = _make_account(data["username"], Role.MEMBER)
    trade_ids = [trade.id for slug in data["trades"] if (trade := taxonomy.get_trade(slug))]
    profiles.update_profile(
        user,
        display_name=data["display_name"],
        region_code=data["region"],
        edition=data["edition"],
        trade_ids=trade_ids,
        bio=data["bio"],
        visibility=profiles.Visibility(
            display_name=rng.random() < 0.7,
            trades=rng.random() < 0.8,
            region=rng.random() < 0.6,
            edition=rng.random() < 0.6,
            bio=rng.random() < 0.7,
        ),
    )
    return user


class _Writer:
    """Writes the threads and their replies, then spreads their dates over two years."""

    def __init__(
        self,
        rng: random.Random,
        staff: list[User],
        members: list[User],
        content: dict[str, Any],
        *,
        now: datetime,
    ) -> None:
        self.rng, self.staff, self.members, self.content, self.now = (
            rng,
            staff,
            members,
            content,
            now,
        )
        self.by_trade: dict[int, list[User]] = {}
        for member in members:
            for trade in member.trades:
                self.by_trade.setdefault(trade.id, []).append(member)
        self.threads = 0
        self.posts = 0

    def write_all(self) -> None:
        admin, moderator, _official = self.staff
        for number, pinned in enumerate(self.content["pinned"]):
            author = admin if number != 1 else moderator
            thread = self._thread(author, pinned, pinned["topic"])
            thread.is_pinned = True
            db.session.commit()
        for topic, threads in self.content["threads"].items():
            for data in threads:
                trades = [taxonomy.get_trade(slug) for slug in data["trades"]]
                candidates = [m for t in trades if t for m in self.by_trade.get(t.id, [])]
                author = self.rng.choice(candidates or self.members)
                self._thread(author, data, topic)
        self._reports()
        self._community()
        self._guides()
        calendar.seed_demo(official=self.staff[2], members=self.members, now=self.now)

    def _guides(self) -> None:
        """Guides written by several members, version after version, and one made from a
        solved thread by its author (approved, as a moderator would)."""
        writers = [member for member in self.members if guides.is_experienced(member)]
        writers = writers or self.members
        for data in self.content.get("guides", []):
            authors = self.rng.sample(writers, min(len(writers), len(data["versions"])))
            topic = taxonomy.get_topic(data["topic"])
            trade = taxonomy.get_trade(data["trade"]) if data["trade"] else None
            first, *others = data["versions"]
            guide = guides.create_guide(
                authors[0],
                title=data["title"],
                body=first["body"],
                summary=first["summary"],
                topic_id=topic.id,
                trade_id=trade.id if trade else None,
            )
            for number, version in enumerate(others, start=1):
                guides.edit_guide(
                    authors[number % len(authors)],
                    guide,
                    title=data["title"],
                    body=version["body"],
                    summary=version["summary"],
                    topic_id=topic.id,
                    trade_id=trade.id if trade else None,
                )
            for revision in guides.list_revisions(guide):
                version = data["versions"][revision.number - 1]
                revision.created_at = self.now - timedelta(days=version["days_ago"])
            guide.created_at = self.now - timedelta(days=first["days_ago"])
            guide.updated_at = self.now - timedelta(days=data["versions"][-1]["days_ago"])
            db.session.commit()
        solved = db.session.scalars(
            select(Thread)
            .where(posting.is_solved(), Thread.is_pinned.is_(False))
            .order_by(Thread.id)
        ).first()
        if solved is not None and solved.author is not None:
            guide = guides.make_from_thread(solved.author, solved)
            guide.pending_at = None
            db.session.commit()

    def _community(self) -> None:
        """Reactions, solved questions and follows, as members leave them."""
        rng = self.rng
        for thread in db.session.scalars(select(Thread).order_by(Thread.id)).all():
            replies = db.session.scalars(
                select(Post)
                .where(Post.thread_id == thread.id, Post.deleted_at.is_(None))
                .order_by(Post.id)
            ).all()[1:]
            for post in rng.sample(list(replies), min(len(replies), 3)):
                for reader in rng.sample(self.members, rng.randint(0, 4)):
                    if policy.can_react(reader, post):
                        reactions.toggle(reader, post, rng.choice(list(reactions.KINDS)))
            if replies and "?" in thread.title and thread.author and rng.random() < 0.5:
                solutions.set_solution(thread.author, thread, rng.choice(list(replies[:4])))
        topics = taxonomy.list_topics()
        for member in rng.sample(self.members, 15):
            follows.set_following(member, rng.choice(topics), True)
        self._photos()
        for talk in self.content.get("conversations", []):
            first, second = rng.sample(self.members, 2)
            conversation = messages.start(
                first, to=second.username, title=talk["title"], body=talk["messages"][0]
            )
            for number, body in enumerate(talk["messages"][1:], start=1):
                messages.reply(second if number % 2 else first, conversation, body=body)

    def _photos(self) -> None:
        """A few « photos » of work (drawn here: marquetry-like patterns) on maquette threads."""
        topic = taxonomy.get_topic("dossier-maquette")
        threads = db.session.scalars(
            select(Thread).where(Thread.topic_id == topic.id).order_by(Thread.id).limit(3)
        ).all()
        for number, thread in enumerate(threads):
            first = db.session.scalar(
                select(Post).where(Post.thread_id == thread.id).order_by(Post.id).limit(1)
            )
            if first is None or first.author is None:
                continue
            photos.attach(first.author, first, [photos.encode(_pattern(self.rng, number))])
            db.session.commit()

    def _reports(self) -> None:
        """A few open reports, so that the moderators' queue has something in it: each on a
        post that deserves it (an advert, an aside, someone's address), in a fitting thread."""
        for reason, (topic_slug, body) in REPORTED_POSTS.items():
            topic = taxonomy.get_topic(topic_slug)
            thread = self.rng.choice(
                db.session.scalars(
                    select(Thread)
                    .where(Thread.topic_id == topic.id, Thread.is_pinned.is_(False))
                    .order_by(Thread.id)  # in the same order on every engine and plan
                ).all()
            )
            author = self.rng.choice(self.members)
            post = posting.reply(author, thread, body=body)
            reporter = self.rng.choice([m for m in self.members if m.id != author.id])
            moderation.report_post(reporter, post, reason=reason, comment=DEMO_REPORT[reason])

    def date_the_members(self) -> None:
        """Each member joined before their first post (the staff before anyone)."""
        rng = self.rng
        firsts = dict(
            db.session.execute(
                select(Post.author_id, func.min(Post.created_at)).group_by(Post.author_id)
            ).all()
        )
        start = min(firsts.values(), default=self.now)
        for user in [*self.staff, *self.members]:
            first = start if user in self.staff else firsts.get(user.id, self.now)
            user.created_at = min(user.created_at, first - timedelta(days=rng.uniform(3, 90)))
        db.session.commit()

    def _thread(self, author: User, data: dict[str, Any], topic_slug: str):
        """A thread and its replies, each written for it (`replies` in the content file)."""
        topic = taxonomy.get_topic(topic_slug)
        trade_ids = [t.id for slug in data.get("trades", []) if (t := taxonomy.get_trade(slug))]
        thread = posting.create_thread(
            author, title=data["title"], body=data["body"], topic_id=topic.id, trade_ids=trade_ids
        )
        posts = list(db.session.scalars(select(Post).where(Post.thread_id == thread.id)))
        for body in data["replies"]:
            posts.append(self._reply(thread, posts, body))
        self._spread_dates(thread, posts)
        self.threads += 1
        self.posts += len(posts)
        return thread

    def _reply(self, thread: Thread, posts: list[Post], body: str) -> Post:
        rng = self.rng
        author = rng.choice(self.members if rng.random() < 0.95 else self.staff[1:])
        quoted = None
        quotable = [post for post in posts if not post.is_deleted]
        if quotable and rng.random() < 0.2:
            quoted = rng.choice(quotable)
            body = posting.quote_markdown(quoted) + body
        post = posting.reply(
            author, thread, body=body, quoted_post_id=quoted.id if quoted else None
        )
        if rng.random() < 0.08:
            posting.edit_post(
                author, post, body=f"{post.source}\n\n{rng.choice(self.content['edits'])}"
            )
        elif rng.random() < 0.01:
            posting.delete_post(author, post)
        return post

    def _spread_dates(self, thread: Thread, posts: list[Post]) -> None:
        """Date the thread somewhere in the last two years, its replies over the following days."""
        rng = self.rng
        start = self.now - timedelta(days=rng.uniform(1, 720))
        moment = start
        for post in posts:
            post.created_at = min(moment, self.now)
            if post.edited_at is not None:
                post.edited_at = min(moment + timedelta(hours=rng.uniform(0.2, 30)), self.now)
                for revision in db.session.scalars(
                    select(PostRevision).where(PostRevision.post_id == post.id)
                ):
                    revision.created_at = post.edited_at
            if post.deleted_at is not None:
                post.deleted_at = post.created_at + timedelta(hours=1)
            moment += timedelta(minutes=rng.expovariate(1 / 600))
        thread.created_at = posts[0].created_at
        thread.last_posted_at = posts[-1].created_at
        db.session.commit()


def _pattern(rng: random.Random, number: int) -> Image.Image:
    """A drawn stand-in for a photo of work: strips of wood tones, like a marquetry panel."""
    tones = [(181, 129, 84), (139, 90, 43), (222, 184, 135), (101, 67, 33), (205, 170, 125)]
    image = Image.new("RGB", (960, 720), tones[number % len(tones)])
    draw = ImageDraw.Draw(image)
    for x in range(0, 960, 40):
        draw.rectangle([x, 0, x + 38, 720], fill=rng.choice(tones))
    draw.ellipse([300, 180, 660, 540], outline=(60, 40, 20), width=12)
    return image
