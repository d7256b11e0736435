"""Retention: every class of personal data has a duration; one run applies them all.

Idempotent (a second run finds nothing due), with a dry run, and a purge log as the proof the
CNIL asks for: rule, count, time — never what was removed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from gdpr.models import PurgeLog, utcnow


@dataclass(frozen=True)
class Rule:
    """Remove what is older than the duration named RETENTION; APPLY returns how many.

    TABLES are those whose rows it removes or anonymises: a column declaring RETENTION in one
    of them is kept no longer than the rule says (tests hold the two together). A rule that
    ERASES_SUBJECTS runs the erasure engine, and so reaches every table linked to a subject.
    SINCE names the moment the duration counts from ("closed", "read"…): what the register
    says of the duration is written from it, so the two cannot say different things.
    """

    name: str
    retention: str
    apply: Callable[[Session, datetime, bool], int]  # (session, cutoff, dry_run) -> count
    tables: tuple[str, ...] = ()
    erases_subjects: bool = False
    since: str = ""


@dataclass(frozen=True)
class Outcome:
    rule: str
    count: int


def run(
    session: Session,
    rules: Sequence[Rule],
    durations: Mapping[str, int],
    *,
    dry_run: bool = False,
    now: datetime | None = None,
) -> list[Outcome]:
    """Apply every rule; each commits on its own and is logged, unless DRY_RUN."""
    now = now or utcnow()
    outcomes = []
    for rule in rules:
        cutoff = now - timedelta(days=durations[rule.retention])
        count = rule.apply(session, cutoff, dry_run)
        if dry_run:
            session.rollback()
        else:
            session.add(PurgeLog(rule=rule.name, count=count, ran_at=now))
            session.commit()
        outcomes.append(Outcome(rule.name, count))
    return outcomes
