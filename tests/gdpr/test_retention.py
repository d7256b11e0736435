"""Retention removes exactly what is due, on data spread over four years; a second run nothing."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import (
    Device,
    Event,
    LoginEvent,
    ModerationAction,
    Notification,
    PersonalDataAccess,
    Post,
    Report,
    Role,
    User,
)
from forum.services import accounts, calendar, devices, exports, posting
from forum.services import retention as rules
from gdpr import consent, legal_hold, requests
from gdpr.models import (
    ConsentEvent,
    Erasure,
    ErasureCertificate,
    ExportArchive,
    PurgeLog,
    ReviewTask,
)
from tests.factories import PASSWORD, make_post, make_thread, make_user

NOW = "2026-12-01 09:00"


def at(text):
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def four_years(app_ctx, time_machine):
    """Accounts, posts, archives and proofs dated from 2021 to now; names tell what is due."""
    users = {}
    for name, created, verified, last_login, warned in [
        ("recent-unverified", "2026-11-30", False, None, None),
        ("old-unverified", "2026-11-20", False, None, None),
        ("ancient-unverified", "2024-01-01", False, None, None),
        ("active", "2023-02-01", True, "2026-11-01", None),
        ("quiet-699-days", "2023-03-01", True, "2025-01-01", None),
        ("quiet-711-days", "2023-04-01", True, "2024-12-20", None),
        ("gone-warned", "2023-05-01", True, "2024-11-01", "2026-10-01"),
        ("gone-unwarned", "2022-06-01", True, "2023-01-01", None),
    ]:
        time_machine.move_to(created)
        user = make_user(username=name, verified=verified)
        user.last_login_at = at(last_login) if last_login else None
        user.inactivity_warned_at = at(warned) if warned else None
        users[name] = user
    db.session.commit()

    author = users["active"]
    for label, deleted in [
        ("kept", "2026-11-20"),
        ("due", "2026-10-01"),
        ("very-due", "2023-05-01"),
        ("live", None),
    ]:
        time_machine.move_to("2023-01-15")
        post = make_post(thread=make_thread(author=author), author=author, body=f"texte {label}")
        if deleted:
            time_machine.move_to(deleted)
            posting.delete_post(author, post)

    for requested in ("2026-11-20", "2026-11-29"):
        time_machine.move_to(requested)
        exports.request_export(author)

    for ended in ("2021-06-01", "2024-01-01"):
        event = consent.record(
            db.session, subject_ref="9999", purpose="terms", given=True, via="test"
        )
        event.subject_ended_at = at(ended)
    for when in ("2026-01-01", "2026-11-01"):  # six months: the first is due
        db.session.add(LoginEvent(user_id=author.id, at=at(when)))
    for when in ("2026-10-15", "2026-11-15"):  # thirty days unused: the first is due
        time_machine.move_to(when)
        devices.open_session(author, user_agent="Firefox", remember=True)
    for when in ("2025-06-01", "2026-06-01"):  # one year: the first is due
        legal_hold.record(
            db.session,
            accounts.vault(),
            subject_ref="1",
            item="post:1",
            ip="192.0.2.1",
            at=at(when),
        )
    for when in ("2020-01-01", "2025-01-01"):  # five years after closing: the first is due
        old = requests.record(
            db.session, kind="access", channel="letter", received_at=at(when), details="x"
        )
        requests.close(old, outcome="done")
        old.closed_at = at(when)
        access = legal_hold.request_access(
            db.session, item="post:1", reason="Réquisition", admin_ref="1"
        )
        access.requested_at = at(when)
        db.session.add(
            PersonalDataAccess(
                admin_id=author.id,
                subject_id=author.id,
                field="email",
                reason="Demande d'un juge",
                created_at=at(when),
            )
        )
    time_machine.move_to("2026-11-15")
    moderator = make_user(role=Role.MODERATOR, username="moderatrice")
    for when, ends in [("2020-06-01", None), ("2020-06-01", "2099-01-01"), ("2024-06-01", None)]:
        entry = ModerationAction(  # five years: the first is due; a running ban stays
            moderator_id=moderator.id,
            member_id=author.id,
            action="warn" if ends is None else "ban",
            target=f"user:{author.id}",
            reason="Ton",
            created_at=at(when),
            ends_at=at(ends) if ends else None,
        )
        db.session.add(entry)
        db.session.add(
            Notification(user_id=author.id, kind="moderation", action=entry, created_at=at(when))
        )
    post = db.session.scalars(select(Post)).first()
    for handled in ("2025-06-01", "2026-06-01"):  # a year after handling: the first is due
        db.session.add(
            Report(
                post_id=post.id,
                reporter_id=moderator.id,
                reason="spam",
                created_at=at(handled),
                resolved_at=at(handled),
                resolution="dismissed",
            )
        )
    for refused in ("2026-10-01", "2026-11-20"):  # a month after refusal: the first is due
        time_machine.move_to(refused)
        proposal = calendar.propose(
            author,
            calendar.Draft(
                title=f"Rencontre refusée le {refused}",
                edition=28,
                starts_on="2027-01-10",
                all_day=True,
                place="Lyon",
            ),
        )
        calendar.refuse(moderator, proposal, note="Hors sujet")
    time_machine.move_to("2026-11-15")
    for read in ("2026-03-01", "2026-11-01"):  # six months after reading: the first is due
        db.session.add(
            Notification(
                user_id=author.id, kind="moderation", created_at=at(read), read_at=at(read)
            )
        )
    for resolved in ("2026-09-01", "2026-11-25"):  # a month after handling: the first is due
        db.session.add(
            ReviewTask(
                erasure_id=1,
                table_name="posts",
                column_name="source",
                row_key="1",
                found_at=at(resolved),
                resolved_at=at(resolved),
                outcome="kept",
            )
        )
    for executed in ("2021-01-01", "2025-01-01"):  # five years: the first is due, and its proof
        scheduled = Erasure(
            subject_ref="9998",
            content="anonymise",
            requested_at=at(executed),
            due_at=at(executed),
            executed_at=at(executed),
        )
        db.session.add(scheduled)
        db.session.flush()
        db.session.add(
            ErasureCertificate(
                erasure_id=scheduled.id,
                requested_at=at(executed),
                executed_at=at(executed),
                counts="{}",
            )
        )
    db.session.commit()
    time_machine.move_to(NOW, tick=False)
    return users


EXPECTED_FIRST_RUN = {
    "unverified_accounts": 2,
    "deleted_posts": 2,
    "export_archives": 1,
    "inactive_warnings": 2,
    "inactive_accounts": 1,
    "consent_proofs": 1,
    "legal_hold": 1,
    "login_history": 1,
    "idle_devices": 1,
    "tombstones": 0,
    "moderation_log": 1,
    "handled_reports": 1,
    "refused_events": 1,
    "read_notifications": 1,
    "review_tasks": 1,
    "erasure_records": 2,
    "closed_requests": 1,
    "hold_accesses": 1,
    "personal_data_accesses": 1,
    "outbox_mails": 0,  # the files are written now, by the real clock
}


def _usernames():
    return set(db.session.scalars(select(User.username)))


def test_retention_removes_exactly_what_is_due(four_years):
    outcomes = {o.rule: o.count for o in rules.apply_retention()}

    assert outcomes == EXPECTED_FIRST_RUN
    assert _usernames() == {
        "moderatrice",
        "recent-unverified",
        "active",
        "quiet-699-days",
        "quiet-711-days",
        "gone-unwarned",
    }
    warned = set(
        db.session.scalars(select(User.username).where(User.inactivity_warned_at.is_not(None)))
    )
    assert warned == {"quiet-711-days", "gone-unwarned"}
    texts = set(db.session.scalars(select(Post.source).where(Post.source.like("texte %"))))
    assert texts == {"texte kept", "texte live"}
    assert db.session.scalar(select(func.count()).select_from(ExportArchive)) == 1
    assert list(db.session.scalars(select(Event.title))) == ["Rencontre refusée le 2026-11-20"]
    assert [d.created_at for d in db.session.scalars(select(Device))] == [at("2026-11-15")]
    assert (
        db.session.scalar(
            select(func.count()).select_from(ConsentEvent).where(ConsentEvent.subject_ref == "9999")
        )
        == 1
    )


def test_a_second_run_removes_nothing(four_years):
    rules.apply_retention()

    again = {o.rule: o.count for o in rules.apply_retention()}

    assert set(again.values()) == {0}


def test_a_dry_run_counts_without_removing_or_logging(four_years):
    before = _usernames()

    outcomes = {o.rule: o.count for o in rules.apply_retention(dry_run=True)}

    assert outcomes == EXPECTED_FIRST_RUN
    assert _usernames() == before
    assert db.session.scalar(select(func.count()).select_from(PurgeLog)) == 0


def test_the_purge_log_is_the_proof_and_names_nobody(four_years):
    rules.apply_retention()

    logged = db.session.scalars(select(PurgeLog)).all()

    assert {(entry.rule, entry.count) for entry in logged} == set(EXPECTED_FIRST_RUN.items())
    assert all(entry.ran_at == at(NOW) for entry in logged)


def test_logging_in_keeps_a_warned_account(four_years):
    rules.apply_retention()
    accounts.authenticate("quiet-711-days", PASSWORD)

    assert four_years["quiet-711-days"].inactivity_warned_at is None


def test_the_cli_prints_counts_and_dry_run_changes_nothing(app, runner, four_years):
    result = runner.invoke(args=["gdpr", "retention", "--dry-run"])

    assert result.exit_code == 0
    assert "Would remove      2  unverified_accounts" in result.output
    assert "old-unverified" in _usernames()
