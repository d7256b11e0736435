"""Nothing readable on disk by another account of the machine; deleted rows overwritten."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from sqlalchemy import text

from forum.extensions import db
from forum.services import erasure, exports
from tests.factories import PASSWORD, make_user


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.sqlite_only
def test_the_instance_folder_holds_only_private_files(app_factory, tmp_path, time_machine):
    time_machine.move_to("2026-06-01 10:00", tick=True)
    database = tmp_path / "instance" / "etabli.db"
    app = app_factory(SQLALCHEMY_DATABASE_URI=f"sqlite:///{database}")
    with app.app_context():
        member = make_user(username="lea", email="lea@exemple.fr", verified=False)
        member = make_user(username="lucie", email="lucie@exemple.fr")
        exports.request_export(member)
        erasure.schedule_erasure(member, password=PASSWORD, content="anonymise")
        time_machine.shift(60 * 60 * 24 * 8)
        erasure.run_due_erasures()
        db.engine.dispose()

    instance = Path(app.instance_path)
    written = [p for p in instance.rglob("*") if p.is_file()]
    names = {p.name for p in written}
    assert "etabli.db" in names and "tombstones.jsonl" in names
    assert any(p.suffix == ".eml" for p in written)  # the outbox (no SMTP server)
    assert {p.name: oct(_mode(p)) for p in written if _mode(p) != 0o600} == {}
    folders = [p for p in instance.rglob("*") if p.is_dir()]
    assert {p.name: oct(_mode(p)) for p in folders if _mode(p) & 0o077} == {}


@pytest.mark.sqlite_only
def test_sqlite_overwrites_what_it_deletes(app_ctx):
    assert db.session.execute(text("PRAGMA secure_delete")).scalar() == 1
