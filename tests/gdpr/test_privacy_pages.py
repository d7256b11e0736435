"""The privacy centre, the requests register, the record of processing, key rotation."""

import re

import pyotp
import pytest
from sqlalchemy import select

from forum import labels
from forum.extensions import db
from forum.models import Role, User
from forum.services import accounts, exports, processing_register
from gdpr import register
from gdpr.models import Erasure, SubjectRequest
from gdpr.models import metadata as gdpr_metadata
from tests.conftest import IS_POSTGRES
from tests.factories import PASSWORD, TOTP_SECRET, make_user, open_session


def test_the_privacy_centre_shows_choices_export_and_erasure(login_as, client):
    login_as()

    page = client.get("/me/privacy").get_data(as_text=True)

    assert "Figurer dans l&#39;annuaire des candidats" in page or "Figurer dans l'annuaire" in page
    assert page.count("Donner mon accord") == 7
    assert 'action="/me/privacy/export"' in page and 'action="/me/privacy/erase"' in page


def test_erasing_from_the_centre_needs_the_password_and_keeps_the_choice(login_as, client):
    login_as()

    refused = client.post("/me/privacy/erase", data={"password": "faux", "content": "delete"})
    accepted = client.post("/me/privacy/erase", data={"password": PASSWORD, "content": "delete"})
    page = client.get("/me/privacy").get_data(as_text=True)

    assert refused.status_code == 400 and 'id="password-error"' in refused.get_data(as_text=True)
    assert accepted.status_code == 302
    assert "Annuler l&#39;effacement" in page or "Annuler l'effacement" in page


def test_self_service_requests_land_in_the_register_with_their_due_date(app, login_as, client):
    login_as()
    client.post("/me/privacy/export")
    client.post("/me/privacy/erase", data={"password": PASSWORD, "content": "anonymise"})

    with app.app_context():
        kinds = {(r.kind, r.channel) for r in db.session.scalars(select(SubjectRequest))}
        erasure = db.session.scalar(select(Erasure))
        request = db.session.get(SubjectRequest, erasure.request_id)
        assert (request.due_at - request.received_at).days in (28, 29, 30, 31)
    assert kinds == {("access", "self-service"), ("erasure", "self-service")}


@pytest.mark.parametrize(
    ("role", "status"),
    [(Role.MEMBER, 403), (Role.MODERATOR, 403), (Role.COET_STAFF, 403), (Role.ADMIN, 200)],
)
@pytest.mark.parametrize("path", ["/admin/gdpr/requests", "/admin/gdpr/register"])
def test_the_registers_are_for_admins(login_as, client, role, status, path):
    login_as(role)

    assert client.get(path).status_code == status


def test_an_admin_records_a_request_received_by_letter(login_as, client, time_machine):
    time_machine.move_to("2026-06-20 10:00")
    login_as(Role.ADMIN)

    bad = client.post(
        "/admin/gdpr/requests",
        data={"kind": "access", "channel": "letter", "received_on": "demain", "details": ""},
    )
    good = client.post(
        "/admin/gdpr/requests",
        data={
            "kind": "access",
            "channel": "letter",
            "received_on": "2026-05-02",
            "details": "M. Martin, réponse par courrier",
        },
    )
    page = client.get("/admin/gdpr/requests").get_data(as_text=True)

    assert bad.status_code == 400 and 'id="received_on-error"' in bad.get_data(as_text=True)
    assert 'id="details-error"' in bad.get_data(as_text=True)
    assert good.status_code == 302
    assert "en retard" in page  # due on 2026-06-02, today is 2026-06-20


def test_an_admin_extends_then_closes_a_request(app, login_as, client):
    login_as(Role.ADMIN)
    client.post(
        "/admin/gdpr/requests",
        data={
            "kind": "rectification",
            "channel": "e-mail",
            "received_on": "2026-01-10",
            "details": "Corriger un nom",
        },
    )
    with app.app_context():
        request_id = db.session.scalar(select(SubjectRequest.id))

    client.post(f"/admin/gdpr/requests/{request_id}/extend", data={"reason": "demande complexe"})
    client.post(f"/admin/gdpr/requests/{request_id}/close", data={"outcome": "nom corrigé"})

    with app.app_context():
        request = db.session.get(SubjectRequest, request_id)
        assert request.due_at.month == 4 and request.extension_reason == "demande complexe"
        assert request.status == "done" and request.outcome == "nom corrigé"


def test_the_record_of_processing_comes_from_the_inventory(app_factory):
    app = app_factory(
        PRIVACY_CONTROLLER="Association des candidats",
        PRIVACY_CONTACT="rgpd@etabli.example",
        PRIVACY_DPO="Mme Délégée",
    )
    client, runner = app.test_client(), app.test_cli_runner()
    with app.app_context():
        session_id = open_session(make_user(role=Role.ADMIN))
    with client.session_transaction() as session:
        session["_user_id"] = session_id

    page = client.get("/admin/gdpr/register").get_data(as_text=True)
    printed = runner.invoke(args=["gdpr", "register"]).output

    for text in (page, printed):
        assert "Association des candidats" in text and "rgpd@etabli.example" in text
        assert "Mme Délégée" in text and "aucun transfert hors de l" in text
        assert "profil du membre" in text and "users.bio_source" in text
        assert "1\u202f826 jours après la fin du compte" in text


def test_every_retention_the_register_states_is_what_a_rule_applies(app_ctx):
    found = processing_register.build()

    for entry in found.entries:
        for kept in entry.kept:
            assert kept.rules, (entry.purpose, kept.key)  # a rule of the retention engine
            days = app_ctx.config["GDPR_RETENTION"][kept.key]
            assert kept.days == days and f"{days:,}".replace(",", "\u202f") in kept.statement
            # From the moment the rules count: all the same, and the one the statement says.
            (since,) = kept.since
            assert kept.key == "review_task" or str(labels.SINCE[since]) in kept.statement


def test_requests_are_kept_five_years_from_their_closing_not_from_the_account(app_ctx):
    """The register says "after the request is closed": the rule counts from closed_at,
    for a member whose account still exists as for one erased long ago."""
    from datetime import timedelta

    from forum.models.base import utcnow
    from forum.services import retention as retention_rules
    from gdpr import requests as gdpr_requests

    member = make_user()
    old = gdpr_requests.record(db.session, kind="access", channel="e-mail", subject_ref="x1")
    recent = gdpr_requests.record(
        db.session, kind="access", channel="e-mail", subject_ref=member.subject_ref
    )
    days = app_ctx.config["GDPR_RETENTION"]["request_proof"]
    old.closed_at = utcnow() - timedelta(days=days + 1)
    recent.closed_at = utcnow() - timedelta(days=days - 1)
    db.session.commit()
    old_id, recent_id = old.id, recent.id

    retention_rules.apply_retention()

    assert db.session.get(SubjectRequest, old_id) is None
    assert db.session.get(SubjectRequest, recent_id) is not None
    (statement,) = [
        kept.statement
        for entry in processing_register.build().entries
        for kept in entry.kept
        if kept.key == "request_proof"
    ]
    assert "après la clôture de la demande" in statement


def test_rotating_keys_re_encrypts_every_encrypted_column(app_factory, tmp_path):
    shared = {} if IS_POSTGRES else {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'keys.db'}"}
    old_key = "Zm9yLXRlc3RzLW9ubHktbm90LWEtcmVhbC1rZXkhISE="
    app = app_factory(DATA_KEYS=[old_key], **shared)
    with app.app_context():
        user = make_user(username="lea", email="lea@exemple.fr", two_factor=True)
        accounts.authenticate("lea", PASSWORD, ip="192.0.2.7")
        user_id, before = user.id, user.email_encrypted
    new_key = "bmV3LWtleS1mb3ItdGhlLXJvdGF0aW9uLXRlc3QhISE="
    rotated = app_factory(DATA_KEYS=[new_key, old_key], **shared)

    result = rotated.test_cli_runner().invoke(args=["gdpr", "rotate-keys"])

    only_new = app_factory(DATA_KEYS=[new_key], **shared)  # the README: then remove the old key
    with only_new.app_context():
        user = db.session.get(User, user_id)
        assert user.email_encrypted != before
        assert accounts.email_of(user) == "lea@exemple.fr"
        assert accounts.list_logins(user)[0][1] == "192.0.2.7"
    client = only_new.test_client()
    client.post("/auth/login", data={"login": "lea", "password": PASSWORD})
    second_step = client.post("/auth/2fa", data={"code": pyotp.TOTP(TOTP_SECRET).now()})
    assert second_step.status_code == 302  # moderators and admins are not locked out
    for column in (
        "users.email_encrypted",
        "users.totp_secret_encrypted",
        "login_events.ip_encrypted",
    ):
        assert f"{column}" in result.output


def test_a_value_changed_during_the_rotation_is_not_overwritten(app_ctx):
    """A member changes their address while the rotation runs: the new one stays."""
    from gdpr import crypto

    user = make_user(username="lea", email="ancienne@exemple.fr")
    vault = accounts.vault()

    class ChangedMeanwhile:
        def rotate(self, token):
            if token == user.email_encrypted:
                db.session.execute(
                    User.__table__.update()
                    .where(User.id == user.id)
                    .values(email_encrypted=vault.encrypt("nouvelle@exemple.fr"))
                )
            return vault.rotate(token)

    crypto.rotate_columns(db.session, [User.metadata], ChangedMeanwhile())
    db.session.expire_all()

    assert accounts.email_of(db.session.get(User, user.id)) == "nouvelle@exemple.fr"


def test_the_policy_states_the_durations_of_the_settings_and_its_hash_follows(app_factory):
    from config import RETENTION_DEFAULTS
    from forum import documents

    longer = dict(RETENTION_DEFAULTS, notification=365, login_history=92)
    default, changed = app_factory(), app_factory(GDPR_RETENTION=longer)

    with default.app_context():
        before = documents.get("privacy")
    with changed.app_context():
        after = documents.get("privacy")
        english = documents.get("privacy", "en")
    page = changed.test_client().get("/privacy").get_data(as_text=True)

    assert "180 jours après leur lecture" in before.body and "| 6 mois |" in before.body
    assert "1 an après leur lecture" in page and "<td>3 mois</td>" in page
    assert "1 year after you read them" in english.body
    assert before.text_hash != after.text_hash  # a new acceptance is asked
    with default.app_context():
        for name in documents.NAMES:
            for locale in ("fr", "en"):
                assert "{days:" not in documents.get(name, locale).body, (name, locale)


def test_the_privacy_page_lists_the_inventory_with_durations(client):

    page = client.get("/privacy").get_data(as_text=True)

    assert "Inventaire détaillé" in page
    assert "profil du membre" in page and "1\u202f826 jours" in page and "730 jours" in page
    assert "Responsable du traitement" in page and "donnees@etabli.invalid" in page
    assert "aucun transfert hors de l" in page and "réquisition" in page


FRENCH_TOO = {"contact", "publication"}  # code values that are French words as well


def test_the_french_privacy_page_speaks_french_only(client):
    page = re.sub(r"<[^>]+>", " ", client.get("/privacy").get_data(as_text=True))

    codes = (set(labels.BASES) | set(labels.PURPOSES) | set(labels.CATEGORIES)) - FRENCH_TOO
    assert sorted(code for code in codes if re.search(rf"\b{re.escape(code)}\b", page)) == []


def test_every_table_has_a_french_name_for_the_certificate_and_the_last_mail():
    tables = {table.name for md in (db.metadata, gdpr_metadata) for table in md.sorted_tables}

    assert sorted(tables - set(labels.TABLES)) == []


def test_every_code_value_of_the_inventory_has_a_label():
    purposes = register.purposes(db.metadata, gdpr_metadata)

    for purpose in purposes:
        assert purpose.name in labels.PURPOSES
        assert purpose.bases <= set(labels.BASES)
        assert purpose.categories <= set(labels.CATEGORIES)
        assert set(purpose.kept) <= set(labels.RETENTIONS)


def test_an_extension_needs_a_reason_and_an_open_request(app, login_as, client):
    login_as(Role.ADMIN)
    client.post(
        "/admin/gdpr/requests",
        data={
            "kind": "access",
            "channel": "letter",
            "received_on": "2026-01-10",
            "details": "Lettre",
        },
    )
    with app.app_context():
        request_id = db.session.scalar(select(SubjectRequest.id))

    page = client.post(
        f"/admin/gdpr/requests/{request_id}/extend", data={"reason": " "}, follow_redirects=True
    ).get_data(as_text=True)

    with app.app_context():
        assert db.session.get(SubjectRequest, request_id).extension_reason is None
    assert "Indiquez le motif" in page


def test_a_failed_export_does_not_block_the_next_one(app_ctx, monkeypatch):
    member = make_user()
    monkeypatch.setattr(exports, "_build_export", lambda archive_id: 1 / 0)

    with pytest.raises(ZeroDivisionError):
        exports.request_export(member)
    monkeypatch.undo()
    archive = exports.request_export(member)

    statuses = sorted(a.status for a in exports.list_exports(member))
    assert statuses == ["failed", "ready"] and archive.status == "ready"


def test_the_review_page_lists_residues_and_certificates(login_as, client):
    login_as(Role.ADMIN)

    page = client.get("/admin/gdpr/review").get_data(as_text=True)

    assert "Rien à revoir." in page and "Certificats d" in page
