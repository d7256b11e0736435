"""In a real browser, without JavaScript: a member reports a post, a moderator hides it from the
queue, the author reads the statement of reasons and appeals, another moderator overturns."""

from __future__ import annotations

import pyotp
import pytest

from forum.models import Role
from tests.factories import PASSWORD, TOTP_SECRET, make_thread, make_user

pytestmark = pytest.mark.browser


@pytest.fixture
def forum(live_app):
    with live_app.app_context():
        author = make_user(username="auteur")
        make_user(username="temoin")
        make_user(username="modo-un", role=Role.MODERATOR)
        make_user(username="modo-deux", role=Role.MODERATOR)
        thread = make_thread(author=author, body="Le juré **Dupont** ne connaît rien au métier")
        return f"/t/{thread.id}"


def _visitor(browser, live_server):
    context = browser.new_context(base_url=live_server, locale="fr-FR", java_script_enabled=False)
    return context.new_page()


def _login(page, login, *, two_factor=False):
    page.goto("/auth/login")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    if two_factor:
        page.fill("input[name=code]", pyotp.TOTP(TOTP_SECRET).now())
        page.click("main form button[type=submit]")


def test_report_hide_statement_and_appeal_in_a_browser(browser, live_server, forum):
    witness = _visitor(browser, live_server)
    _login(witness, "temoin")
    witness.goto(forum)
    witness.click(".post >> text=Signaler")
    witness.check("input[name=reason][value=harassment]")
    witness.fill("textarea[name=comment]", "Il s'en prend à un juré")
    witness.click("main form button[type=submit]")
    assert "les modérateurs vont examiner" in witness.content()

    first = _visitor(browser, live_server)
    _login(first, "modo-un", two_factor=True)
    first.click("header >> text=Modération")
    group = first.locator(".report-group").first
    assert "Harcèlement ou insulte" in group.text_content()
    group.locator("summary", has_text="Masquer le message").click()
    group.locator("textarea[name=reason]").first.fill("Attaque personnelle contre un juré")
    assert group.locator("select[name=rule]").first.input_value() == "respect"
    group.locator("button", has_text="Masquer").first.click()
    assert "Aucun signalement en attente." in first.content()

    author = _visitor(browser, live_server)
    _login(author, "auteur")
    author.goto(forum)
    assert "Masqué par la modération" in author.content()
    author.click("header >> text=Notifications (1 nouvelle)")
    statement = author.locator(".statement").first.text_content()
    assert "Règle 1 : Respect des personnes" in statement
    assert "le signalement d'un membre" in statement
    assert "Attaque personnelle contre un juré" in statement
    author.click("text=Voir le détail ou contester cette décision")
    author.fill("textarea[name=text]", "C'était une critique de son avis, pas de sa personne.")
    author.click("text=Envoyer ma contestation")
    assert "un autre modérateur va l'examiner" in author.content()

    first.goto("/mod/appeals")
    assert "un autre modérateur tranchera" in first.content()
    second = _visitor(browser, live_server)
    _login(second, "modo-deux", two_factor=True)
    second.goto("/mod/appeals")
    second.check("input[name=decision][value=overturned]")
    second.fill("textarea[name=reason]", "Critique vive mais pas d'attaque personnelle.")
    second.click("text=Trancher")
    assert "Aucune contestation en attente." in second.content()

    anyone = _visitor(browser, live_server)
    anyone.goto(forum)
    assert "Dupont" in anyone.locator(".post-body").first.text_content()
    author.goto("/me/notifications")
    assert "la décision est annulée" in author.content()
