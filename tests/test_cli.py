"""The CLI of DESIGN.md: demo load, users create-admin, users set-role."""

from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Role, User
from forum.services import accounts, demo
from tests.factories import make_user


def test_demo_load_fills_an_empty_database_once_and_prints_the_accounts(app, runner):
    first = runner.invoke(args=["demo", "load"])
    second = runner.invoke(args=["demo", "load"])

    assert first.exit_code == 0 and "Demo data loaded" in first.output
    assert demo.PASSWORD in first.output and "admin" in first.output
    assert second.exit_code == 0 and "nothing loaded" in second.output
    assert demo.PASSWORD in second.output and "camille_moderation" in second.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 63
        assert accounts.authenticate("admin", demo.PASSWORD).role is Role.ADMIN


def test_taxonomy_load_is_idempotent(app, runner):
    first = runner.invoke(args=["taxonomy", "load"])
    second = runner.invoke(args=["taxonomy", "load"])

    assert first.exit_code == 0 and "17 trade groups" in first.output
    assert second.exit_code == 0 and "0 trade groups, 0 trades, 0 topics added" in second.output


def test_create_admin_creates_a_verified_administrator(app, runner):
    result = runner.invoke(
        args=["users", "create-admin"],
        input="chef@exemple.fr\nchef\nLa clef du atelier 2026\nLa clef du atelier 2026\n",
    )

    assert result.exit_code == 0, result.output
    with app.app_context():
        user = accounts.get_user_by_login("chef@exemple.fr")
        assert user.role is Role.ADMIN and user.is_verified


def test_create_admin_refuses_a_weak_password_with_a_clear_message(app, runner):
    result = runner.invoke(
        args=["users", "create-admin", "--email", "chef@exemple.fr", "--username", "chef"],
        input="azerty\nazerty\n",
    )

    assert result.exit_code != 0
    assert "password" in result.output and "12" in result.output


def test_set_role_gives_a_role(app, runner):
    with app.app_context():
        make_user(username="lucie")

    result = runner.invoke(args=["users", "set-role", "lucie", "moderator"])

    assert result.exit_code == 0
    with app.app_context():
        assert accounts.get_user_by_username("lucie").role is Role.MODERATOR


def test_set_role_refuses_an_unknown_role_or_member(app, runner):
    with app.app_context():
        make_user(username="lucie")

    unknown_role = runner.invoke(args=["users", "set-role", "lucie", "superuser"])
    unknown_user = runner.invoke(args=["users", "set-role", "personne", "admin"])

    assert unknown_role.exit_code != 0
    assert unknown_user.exit_code != 0 and "Aucun membre" in unknown_user.output
