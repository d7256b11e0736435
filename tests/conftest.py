"""Fixtures: app, app_ctx, client, runner, login_as, outbox.

The backend is TEST_DATABASE_URL when set, SQLite in memory otherwise.
"""

from __future__ import annotations

import email
import email.policy
import os
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
import redis
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlalchemy.engine import make_url

import gdpr.models
from config import PROJECT_ROOT, _database_url
from forum import create_app, jobs
from forum.extensions import db
from forum.models import Role, User
from tests import factories

BACKEND = _database_url(os.environ.get("TEST_DATABASE_URL") or "sqlite://")
IS_POSTGRES = BACKEND.startswith("postgresql")
METADATAS = (db.metadata, gdpr.models.metadata)

TEST_CONFIG = {
    "TESTING": True,
    "SQLALCHEMY_DATABASE_URI": BACKEND,
    "SECRET_KEY": "test-secret-key",
    "DATA_KEYS": ["Zm9yLXRlc3RzLW9ubHktbm90LWEtcmVhbC1rZXkhISE="],
    "BLIND_INDEX_KEY": "test-blind-index-key",
    "BASE_URL": "http://etabli.test",
    "MAIL_SERVER": "",
    "REDIS_URL": "",
    "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_ENABLED": True,
    "WTF_CSRF_ENABLED": False,
    # Cheap argon2id for speed; the production parameters are tested on their own.
    "ARGON2_TIME_COST": 1,
    "ARGON2_MEMORY_COST": 256,
    "ARGON2_PARALLELISM": 1,
}

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
_schema_ready = False


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "sqlite_only" in item.keywords and IS_POSTGRES:
            item.add_marker(pytest.mark.skip(reason="SQLite only"))
        if "postgres_only" in item.keywords and not IS_POSTGRES:
            item.add_marker(pytest.mark.skip(reason="PostgreSQL only"))


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogues() -> None:
    """Compile the .po catalogues, as `make` does, so pytest also runs on its own."""
    for po_path in (PROJECT_ROOT / "forum" / "translations").glob("*/LC_MESSAGES/messages.po"):
        with po_path.open("rb") as handle:
            catalogue = read_po(handle)
        with po_path.with_suffix(".mo").open("wb") as handle:
            write_mo(handle, catalogue)


class Client(FlaskClient):
    """The test client, reading each response whole and closing it, as a WSGI server does;
    what the app runs once the response has gone out (mail) has run when a test looks."""

    def open(self, *args, buffered: bool = True, **kwargs):
        response = super().open(*args, buffered=buffered, **kwargs)
        assert jobs.wait_until_idle(), "a background job did not finish"
        return response


def make_app(tmp_path: Path, **overrides: object) -> Flask:
    app = create_app({**TEST_CONFIG, "INSTANCE_PATH": str(tmp_path / "instance"), **overrides})
    app.test_client_class = Client
    return app


def _create_schema() -> None:
    global _schema_ready
    if not IS_POSTGRES:
        for metadata in METADATAS:
            metadata.create_all(db.engine)
        return
    if not _schema_ready:
        # Start from an empty schema, whatever an earlier run or branch left in the database.
        with db.engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
            for metadata in METADATAS:
                metadata.create_all(connection)
        _schema_ready = True


def _empty_tables() -> None:
    if not IS_POSTGRES:
        return
    names = ", ".join(table.name for metadata in METADATAS for table in metadata.sorted_tables)
    with db.engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture
def app_factory(tmp_path: Path) -> Iterator[Callable[..., Flask]]:
    """Build apps with extra settings, on the test database with its schema; cleaned after."""
    apps: list[Flask] = []

    def build(**overrides: object) -> Flask:
        app = make_app(tmp_path, **overrides)
        with app.app_context():
            _create_schema()
        apps.append(app)
        return app

    yield build
    for app in apps:
        with app.app_context():
            db.session.remove()
            _empty_tables()
            db.engine.dispose()


@pytest.fixture
def empty_database_url(tmp_path: Path) -> Iterator[str]:
    """A database of the test engine with nothing in it, of its own (the suite's is left alone).

    On PostgreSQL it is dropped after the test, with any database named after it (a copy).
    """
    if not IS_POSTGRES:
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    url = make_url(BACKEND)
    name = f"etabli_empty_{uuid.uuid4().hex[:8]}"
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    yield url.set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        made = connection.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s", (f"{name}%",)
        ).fetchall()
        for (database,) in made:
            connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


@pytest.fixture
def app(app_factory: Callable[..., Flask]) -> Flask:
    return app_factory()


@pytest.fixture
def app_ctx(app: Flask) -> Iterator[Flask]:
    with app.app_context():
        yield app


@pytest.fixture
def client(app: Flask):
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


@pytest.fixture
def login_as(app: Flask, client):
    """Create a member with ROLE and open a session for them in `client`."""

    def login(role: Role = Role.MEMBER, **overrides: object) -> User:
        with app.app_context():
            user = factories.make_user(role=role, **overrides)
            session_id = factories.open_session(user)
            db.session.refresh(user)  # loaded, so that the test can read it once detached
            db.session.expunge(user)
        with client.session_transaction() as session:
            session["_user_id"] = session_id
            session["_fresh"] = True
        return user

    return login


class Outbox:
    """The mails the app wrote to <instance>/outbox, oldest first."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @property
    def messages(self) -> list[email.message.EmailMessage]:
        if not self.folder.exists():
            return []
        return [
            email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            for path in sorted(self.folder.glob("*.eml"))
        ]

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [message for message in self.messages if message["To"] == address]

    def last_link(self, address: str, marker: str, *, wait: float = 5.0) -> str:
        """The last link containing MARKER mailed to ADDRESS, as a path.

        Mail leaves once a response has gone out: a live server may still be writing it, so
        this waits up to WAIT seconds for it to arrive (the test client has sent it already).
        """
        deadline = time.monotonic() + wait
        while True:
            for message in reversed(self.to(address)):
                for word in message.get_content().split():
                    if marker in word:
                        return word.removeprefix("http://etabli.test")
            if time.monotonic() > deadline:
                raise AssertionError(f"no mail to {address} with a link containing {marker}")
            time.sleep(0.05)


@pytest.fixture
def outbox(app: Flask) -> Outbox:
    return Outbox(Path(app.config["MAIL_OUTBOX"]))


@pytest.fixture
def redis_url():
    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=1).ping()
    except redis.RedisError:
        if os.environ.get("CI"):
            pytest.fail(f"Redis is not reachable at {REDIS_URL}")
        pytest.skip("no Redis on this machine")
    return REDIS_URL
