"""A member in a real browser opens a thread, another replies and quotes; edits and deletes."""

from __future__ import annotations

import pytest

from tests.factories import PASSWORD, make_taxonomy, make_user

pytestmark = pytest.mark.browser


@pytest.fixture
def members(live_app):
    with live_app.app_context():
        make_taxonomy()
        make_user(username="lea", email="lea@exemple.fr")
        make_user(username="marc", email="marc@exemple.fr")


def _login(page, login):
    page.goto("/auth/login")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")


def test_members_open_reply_quote_edit_and_delete(browser, live_server, members):
    lea = browser.new_context(base_url=live_server, locale="fr-FR").new_page()
    marc = browser.new_context(base_url=live_server, locale="fr-FR").new_page()

    _login(lea, "lea")
    lea.goto("/trades/boulangerie")
    lea.click("text=Ouvrir une discussion ici")
    lea.fill("input[name=title]", "Le pain de la finale")
    lea.select_option("select[name=topic]", label="Préparation et entraînement")
    lea.fill("textarea[name=body]", "Quelle **farine** pour la finale ?")
    lea.click("main form button[type=submit]")
    assert lea.locator("h1").text_content() == "Le pain de la finale"
    assert lea.locator(".post-body strong").first.text_content() == "farine"
    thread_url = lea.url

    _login(marc, "marc")
    marc.goto(thread_url)
    marc.click(".post >> text=Citer")
    assert "@lea" in marc.input_value("textarea[name=body]")
    marc.fill("textarea[name=body]", marc.input_value("textarea[name=body]") + "Une T65 de meule.")
    marc.click("text=Publier la réponse")
    assert marc.locator(".post").count() == 2
    assert "En réponse à" in marc.locator(".post").nth(1).text_content()

    marc.locator(".post").nth(1).locator("text=Modifier").click()
    marc.fill("textarea[name=body]", "Une T80, finalement.")
    marc.click("text=Enregistrer")
    assert "modifié" in marc.locator(".post").nth(1).text_content()

    marc.locator(".post").nth(1).locator("button:has-text('Supprimer')").click()
    lea.goto(thread_url)
    assert "Message supprimé." in lea.locator(".post").nth(1).text_content()
    assert lea.locator(".post").nth(1).locator("text=Modifier").count() == 0

    lea.goto("/trades/boulangerie?topic=preparation-entrainement")
    assert lea.get_by_text("Le pain de la finale").is_visible()
