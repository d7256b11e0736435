"""Every URL rule × every role: the outcome must match the table below.

A new endpoint without an entry makes the test fail, so nobody forgets to decide who may use it.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from forum.extensions import db
from forum.models import Role, User
from forum.models.base import utcnow
from forum.services import calendar, exports, guides, moderation
from gdpr import legal_hold
from tests import routes
from tests.factories import make_thread, make_user, open_session

SUSPENDED = "suspended"
ROLES = [None, Role.MEMBER, SUSPENDED, Role.COET_STAFF, Role.MODERATOR, Role.ADMIN]
ROLE_IDS = ["anonymous", "member", "suspended_member", "coet_staff", "moderator", "admin"]
OK, LOGIN, FORBIDDEN, MISSING = "ok", "login", "forbidden", "missing"

# Outcomes in the order of ROLES: anonymous, member, suspended member, coet_staff, moderator, admin.
PUBLIC = (OK, OK, OK, OK, OK, OK)
MEMBERS = (LOGIN, OK, OK, OK, OK, OK)
POSTING = (LOGIN, OK, FORBIDDEN, OK, OK, OK)  # a suspended member reads, but cannot post
MODERATORS = (LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK, OK)
ADMINS = (LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK)
AUTHOR_ONLY = (LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN)  # someone else's
# Someone else's private object answers 404 like a missing one: its id tells nothing.
OWNER_ONLY = (LOGIN, MISSING, MISSING, MISSING, MISSING, MISSING)

EXPECTED = {
    "main.home": PUBLIC,
    "main.privacy": PUBLIC,
    "main.terms": PUBLIC,
    "main.cookies": PUBLIC,
    "main.charter_page": PUBLIC,
    "main.healthz": PUBLIC,
    "main.set_locale": PUBLIC,
    "auth.register": PUBLIC,
    "auth.check_email": PUBLIC,
    "auth.verify": PUBLIC,
    "auth.resend_verification": PUBLIC,
    "auth.login": PUBLIC,
    "auth.logout": PUBLIC,
    "auth.reset_request": PUBLIC,
    "auth.reset": PUBLIC,
    "account.security": MEMBERS,
    "account.change_password": MEMBERS,
    "account.end_other_sessions": MEMBERS,
    "account.end_device": MEMBERS,  # device 1 is someone else's: a 404, like a missing one
    "account.edit_profile": MEMBERS,
    "account.start_two_factor": MEMBERS,
    "account.confirm_two_factor": MEMBERS,
    "account.disable_two_factor": MEMBERS,
    "auth.two_factor": MEMBERS,  # without a pending login, back to the login form
    "forum.trades_index": PUBLIC,
    "forum.topics_index": PUBLIC,
    "forum.search": PUBLIC,
    "forum.latest_feed": PUBLIC,
    "forum.topic_feed": PUBLIC,
    "forum.trade_feed": PUBLIC,
    "forum.trade": PUBLIC,
    "forum.topic": PUBLIC,
    "forum.thread": PUBLIC,
    "forum.post": PUBLIC,
    "forum.profile": PUBLIC,
    "forum.new_thread": POSTING,
    "forum.reply": POSTING,
    "forum.edit_post": AUTHOR_ONLY,
    "forum.delete_post": AUTHOR_ONLY,
    "forum.post_history": MODERATORS,
    "moderation.report": POSTING,
    "moderation.member": MODERATORS,
    "moderation.sanction": MODERATORS,
    "moderation.add_note": MODERATORS,
    "moderation.reports": MODERATORS,
    "moderation.log": MODERATORS,
    "moderation.post": MODERATORS,
    "moderation.post_action": MODERATORS,
    "moderation.edit_post": MODERATORS,
    "moderation.redact_post": MODERATORS,
    "moderation.thread": MODERATORS,
    "moderation.thread_action": MODERATORS,
    "moderation.move_thread": MODERATORS,
    "moderation.merge_thread": MODERATORS,
    "moderation.split_thread": MODERATORS,
    "moderation.queue": MODERATORS,
    "moderation.appeals": MODERATORS,
    "moderation.decide_appeal": MODERATORS,
    "notifications.inbox": MEMBERS,
    "forum.my_bookmarks": MEMBERS,
    "forum.candidates": MEMBERS,
    "forum.bookmark": MEMBERS,
    "notifications.mark_read": MEMBERS,
    "notifications.settings": MEMBERS,
    "notifications.open_notice": OWNER_ONLY,  # notice 1 is someone else's
    "notifications.unsubscribe": PUBLIC,  # the link in the mail: the signed token is the key
    "forum.first_unread": MEMBERS,
    "forum.react": MEMBERS,  # one's own reaction taken back even when suspended
    "forum.solution": MODERATORS,  # thread 1 is someone else's: its author or a moderator
    "forum.follow_thread": MEMBERS,
    "forum.follow_topic": MEMBERS,
    "forum.follow_trade": MEMBERS,
    "forum.mark_all_read": MEMBERS,
    "glossary.index": PUBLIC,
    "glossary.term": PUBLIC,  # "x" names no term: a 404
    "glossary.new": MODERATORS,
    "glossary.edit": MODERATORS,  # for a moderator, "x" names no term: a 404
    # Guide 1 is a moderator's; the test's members have written nothing yet (no standing).
    "guides.index": PUBLIC,
    "guides.show": PUBLIC,
    "guides.history": PUBLIC,
    "guides.revision": PUBLIC,
    "guides.new": MODERATORS,
    "guides.edit": MODERATORS,
    "guides.revert": MODERATORS,
    "guides.manage": MODERATORS,  # guide 1 waits for nobody: approve, refuse are a 404
    "guides.follow": MEMBERS,
    "guides.report": POSTING,
    "guides.proposals": MODERATORS,
    "guides.from_thread": MODERATORS,  # thread 1 is someone else's (and not solved)
    "moderation.guide_action": MODERATORS,
    # Event 1 is another member's, approved.
    "calendar.index": PUBLIC,
    "calendar.past": PUBLIC,
    "calendar.event": PUBLIC,
    "calendar.feed": PUBLIC,
    "calendar.trade_feed": PUBLIC,  # "x" names no trade: a 404
    "calendar.stage_feed": PUBLIC,
    "calendar.event_feed": PUBLIC,
    "calendar.new": POSTING,
    "calendar.edit": MODERATORS,
    "calendar.cancel": MODERATORS,
    "calendar.approve": MODERATORS,
    "calendar.refuse": MODERATORS,
    "calendar.follow": MEMBERS,
    "calendar.proposals": MODERATORS,
    "forum.photo": PUBLIC,  # "x" names no photo: a 404; a real one follows its post
    "forum.photo_thumb": PUBLIC,
    "messages.inbox": MEMBERS,
    "messages.settings": MEMBERS,
    "messages.new": POSTING,
    "messages.conversation": OWNER_ONLY,  # conversation 1 does not include the reader
    "messages.write": OWNER_ONLY,
    "messages.report": OWNER_ONLY,
    "messages.block": MEMBERS,  # "x" names nobody: a 404
    "moderation.message_action": MODERATORS,  # message 1 has no open report: a 404
    # Decision 1 concerns another member: moderators read it, others get a 404.
    "notifications.decision": (LOGIN, MISSING, MISSING, MISSING, OK, OK),
    "notifications.appeal": (LOGIN, MISSING, MISSING, MISSING, FORBIDDEN, FORBIDDEN),
    "privacy.centre": MEMBERS,
    "privacy.accept_policies": MEMBERS,
    "privacy.set_consent": MEMBERS,
    "privacy.request_export": MEMBERS,
    "privacy.download_export": OWNER_ONLY,  # archive 1 is someone else's
    "privacy.erase": MEMBERS,
    "privacy.cancel_own_erasure": MEMBERS,
    "privacy.erasure_pending": MEMBERS,
    "privacy.keep_erasure": MEMBERS,
    "privacy.cancel_erasure": PUBLIC,  # the link in the mail: the token is the key
    "privacy.requests_register": ADMINS,
    "privacy.close_request": ADMINS,
    "privacy.extend_request": ADMINS,
    "privacy.processing_register": ADMINS,
    "privacy.legal_hold": ADMINS,
    "privacy.approve_hold_access": ADMINS,
    "privacy.reveal_hold": AUTHOR_ONLY,  # only the two admins of access 1 may read it
    "privacy.restrictions": ADMINS,
    "privacy.lift_restriction": ADMINS,
    "privacy.review_tasks": ADMINS,
    "privacy.resolve_review_task": ADMINS,
    "privacy.replace_review_task": ADMINS,
    "admin.index": ADMINS,
    "admin.taxonomy_page": ADMINS,
    "admin.create_trade": ADMINS,
    "admin.create_topic": ADMINS,
    "admin.rename": ADMINS,
    "admin.merge": ADMINS,
    "admin.retire": ADMINS,
    "admin.members": ADMINS,
    "admin.member": ADMINS,
    "admin.reveal": ADMINS,
    "admin.access_log": ADMINS,
}


def _outcome(response) -> str:
    if response.status_code == 403:
        return FORBIDDEN
    if response.status_code == 404:
        return MISSING
    if response.status_code == 302 and response.headers["Location"].startswith("/auth/login"):
        return LOGIN
    return OK


@pytest.fixture
def world(app):
    """Thread 1 / post 1 by another member; archive 1, request 1, access 1, decision 1 and
    device 1 about other people."""
    with app.app_context():
        author = make_user(username="autrice")
        open_session(author)
        thread = make_thread(author=author)
        moderator = make_user(role=Role.MODERATOR, username="autre-modo")
        moderation.sanction(
            moderator, author, "warn", moderation.Grounds("Ton agressif", "respect")
        )
        guides.create_guide(
            moderator, title="La fiche d'un autre", body="Son texte.", topic_id=thread.topic_id
        )
        event = calendar.propose(
            author,
            calendar.Draft(
                title="Rencontre", edition=28, starts_on="2026-09-12", all_day=True, place="Lyon"
            ),
        )
        calendar.approve(moderator, event)
        exports.request_export(author)
        other_admin = make_user(role=Role.ADMIN, username="autre-admin")
        legal_hold.request_access(
            db.session, item="post:1", reason="Réquisition", admin_ref=str(other_admin.id)
        )
        db.session.commit()


def test_every_endpoint_has_an_expected_outcome(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()} - {"static"}

    assert endpoints == set(EXPECTED)


def _enter(app, login_as, role):
    if role is None:
        return
    user = login_as(Role.MEMBER if role == SUSPENDED else role)
    if role == SUSPENDED:
        with app.app_context():
            member = db.session.get(User, user.id)
            member.posting_blocked_until = utcnow() + timedelta(days=7)
            db.session.commit()


@pytest.mark.parametrize("role_index", range(len(ROLES)), ids=ROLE_IDS)
def test_every_endpoint_answers_each_role_as_the_table_says(
    app, world, login_as, client, role_index
):
    role = ROLES[role_index]
    _enter(app, login_as, role)
    seen = {}
    for method in ("GET", "POST"):
        for endpoint, path in routes.urls(app, method):
            response = client.open(path, method=method, data={})
            expected = EXPECTED[endpoint][role_index]
            # OK is "not refused": a sample slug ("x") that names nothing is a 404 too.
            if _outcome(response) != expected and (expected, _outcome(response)) != (OK, MISSING):
                seen[f"{method} {path}"] = (_outcome(response), expected, response.status_code)
            if endpoint == "auth.logout":
                _enter(app, login_as, role)  # stay in the role for the next requests

    assert seen == {}
