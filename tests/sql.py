"""The SQL statements an app's engine runs, recorded, for the tests that count or explain them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NamedTuple

from flask import Flask
from sqlalchemy import event

from forum.extensions import db


class Statement(NamedTuple):
    sql: str
    parameters: Any


@contextmanager
def recording(app: Flask) -> Iterator[list[Statement]]:
    """Every statement APP's engine sends while the block runs, in order, with its parameters."""
    statements: list[Statement] = []
    with app.app_context():
        engine = db.engine

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(Statement(statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)
