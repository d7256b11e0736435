"""Signed-in devices: a session lives exactly as long as its record, so a logout is real.

The session cookie and the "remember me" cookie both carry a device's random token; the
database keeps only its hash. Ending a device deletes the record: any copy of its cookies,
taken before, is refused from then on.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Sequence
from datetime import timedelta
from functools import cache
from typing import Any

from flask import current_app
from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import Session, joinedload
from ua_parser import parse as parse_user_agent

from forum.extensions import autocommit_reads, db
from forum.models import Device, User
from forum.models.base import utcnow

TOKEN_MAX_LENGTH = 100  # a token is 43 characters; anything much longer is not one of ours
USER_AGENT_MAX_LENGTH = 512  # the parser's regular expressions need not read more


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _idle_days() -> int:
    return current_app.config["GDPR_RETENTION"]["device"]


def browser_family(user_agent: str) -> str:
    """ "Firefox, Android": the browser and system families, never the whole user agent."""
    parsed = parse_user_agent(user_agent[:USER_AGENT_MAX_LENGTH])
    families = (
        parsed.user_agent.family if parsed.user_agent else None,
        parsed.os.family if parsed.os else None,
    )
    return ", ".join(name for name in families if name and name != "Other")[:80]


def _new_token(user: User, device: Device) -> None:
    """Give DEVICE a new random token; USER.session_id is what its cookies must now carry."""
    token = secrets.token_urlsafe(32)
    device.token_hash = _digest(token)
    user.session_id = token


def open_session(user: User, *, user_agent: str, remember: bool) -> Device:
    """Record a new signed-in device for USER; USER.session_id is what its cookies carry."""
    now = utcnow()
    device = Device(
        user_id=user.id,
        browser=browser_family(user_agent),
        created_at=now,
        last_seen_on=now.date(),
        remembered=remember,
    )
    _new_token(user, device)
    db.session.add(device)
    db.session.commit()
    return device


def load_session(
    session_id: str, *, also: Callable[[Any], Sequence[Any]] | None = None
) -> Device | None:
    """The live device behind SESSION_ID, its member ready to act; None once it has ended.

    ALSO: the columns (given the member's id column) to read in the same statement, whose
    values the device then holds as `also_read`. A device unused for the retention period
    ends here too, before retention deletes it.
    """
    if not isinstance(session_id, str) or not 0 < len(session_id) <= TOKEN_MAX_LENGTH:
        return None
    row = _read_outside_a_transaction(_session_query(also), {"token": _digest(session_id)})
    if row is None:
        return None
    device = row[0]
    device.also_read = tuple(row[1:])
    today = utcnow().date()
    if device.last_seen_on < today - timedelta(days=_idle_days()):
        db.session.delete(device)
        db.session.commit()
        return None
    if device.last_seen_on < today:  # one write a day and a device, not one a request
        device.last_seen_on = today
        _commit_alone(device)
    device.user.session_id = session_id
    return device


@cache
def _session_query(also: Callable[[Any], Sequence[Any]] | None) -> Any:
    """The lookup of a session's device and member (and ALSO), built once: every request."""
    extra = tuple(also(Device.user_id)) if also else ()
    query = select(Device, *extra).where(Device.token_hash == bindparam("token"))
    return query.options(joinedload(Device.user))


def _read_outside_a_transaction(query: Any, parameters: dict[str, Any]) -> Any:
    """The first row of QUERY, in autocommit where it can be (`autocommit_reads`), its objects
    then joining the request's session as loaded: a page served again opens no transaction."""
    with autocommit_reads() as connection:
        if connection is None:
            return db.session.execute(query, parameters).first()
        with Session(connection) as reader:
            row = reader.execute(query, parameters).first()
    if row is None:
        return None
    return (db.session.merge(row[0], load=False), *row[1:])


def _commit_alone(device: Device) -> None:
    # The session is loaded before any view writes; should another write be waiting all the
    # same, the day is saved with it rather than committing someone else's work from here.
    pending = (*db.session.new, *db.session.dirty, *db.session.deleted)
    if all(obj is device for obj in pending):
        db.session.commit()


def get_device(user: User, device_id: int | None) -> Device | None:
    """USER's device DEVICE_ID, if it is theirs and still signed in."""
    device = db.session.get(Device, device_id) if device_id is not None else None
    return device if device is not None and device.user_id == user.id else None


def list_devices(user: User) -> list[Device]:
    """USER's signed-in devices, the most recently used first."""
    query = select(Device).where(Device.user_id == user.id)
    return list(db.session.scalars(query.order_by(Device.last_seen_on.desc(), Device.id.desc())))


def end_session(user: User, device_id: int) -> bool:
    """Sign USER out of one of their devices; False if USER has no such device."""
    ended = db.session.execute(
        delete(Device).where(Device.id == device_id, Device.user_id == user.id)
    ).rowcount
    db.session.commit()
    return bool(ended)


def end_other_sessions(user: User, *, keep: int | None) -> int:
    """Sign USER out everywhere but the device KEEP (None: everywhere); no commit.

    KEEP gets a new token: a copy of its cookies, taken before, dies with the others, and the
    web layer gives this browser new cookies (`forum.web.renew_session`).
    """
    query = delete(Device).where(Device.user_id == user.id)
    kept = get_device(user, keep)
    if kept is not None:
        query = query.where(Device.id != kept.id)
        _new_token(user, kept)
    return db.session.execute(query).rowcount
