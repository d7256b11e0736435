"""Without JavaScript, on a phone-sized screen: open a thread choosing trades by checkbox,
preview a reply, react, follow, mark the solution, see the unread marker, write privately."""

from __future__ import annotations

import pytest

from tests.factories import PASSWORD, make_taxonomy, make_user

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def members(live_app):
    with live_app.app_context():
        make_taxonomy()
        make_user(username="ines", email="ines@exemple.fr")
        make_user(username="yann", email="yann@exemple.fr")


def _member(browser, live_server, login: str):
    page = browser.new_context(
        base_url=live_server, locale="fr-FR", java_script_enabled=False, viewport=PHONE
    ).new_page()
    page.goto("/auth/login")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    return page


def test_a_question_answered_thanked_and_solved_without_javascript(browser, live_server, members):
    ines = _member(browser, live_server, "ines")
    ines.goto("/threads/new")
    ines.fill("input[name=title]", "Quel OPCO pour un boulanger salarié ?")
    ines.select_option("select[name=topic]", label="Financement du concours")
    ines.click('summary:has-text("Métiers de l\'alimentation")')
    ines.check("label:has-text('Boulangerie') input")
    ines.fill("textarea[name=body]", "Je suis **salariée** : qui finance ?")
    ines.click("text=Publier")
    thread_url = ines.url
    assert "Boulangerie" in ines.locator("main .meta").first.text_content()

    yann = _member(browser, live_server, "yann")
    yann.goto("/")
    assert yann.locator("a[href$='/unread']").count() == 1  # new for him
    yann.goto(thread_url)
    yann.fill("textarea[name=body]", "L'OPCO de ta branche, pour @ines : **Akto**.")
    yann.click("text=Prévisualiser")
    assert yann.locator(".preview strong").text_content() == "Akto"
    assert "@ines" in yann.input_value("textarea[name=body]")  # the draft is kept
    assert yann.locator(".post").count() == 1  # nothing published yet
    yann.click("text=Publier la réponse")
    assert yann.locator(".post").count() == 2

    ines.goto("/me/notifications")
    assert "yann vous a mentionné" in ines.locator("main").text_content()
    ines.goto(thread_url)
    ines.locator(".post").nth(1).locator("button:has-text('Merci')").click()
    ines.locator(".post").nth(1).locator("text=C'est la solution").click()
    assert "L'OPCO de ta branche" in ines.locator(".solution").text_content()
    assert "Merci · 1" in ines.locator(".post").nth(1).text_content()

    yann.goto("/me/notifications")
    notices = yann.locator("main").text_content()
    assert "1 personne a réagi" in notices and "choisie comme solution" in notices
    yann.goto("/topics/financement?solved=1")
    assert yann.locator(".badge-solved").count() == 1


def test_a_private_conversation_from_a_profile_without_javascript(browser, live_server, members):
    ines = _member(browser, live_server, "ines")
    ines.goto("/u/yann")
    ines.click("text=Envoyer un message")
    assert ines.input_value("input[name=to]") == "yann"
    ines.fill("input[name=title]", "Ta maquette")
    ines.fill("textarea[name=body]", "On en parle ?")
    ines.click("main form button:has-text('Envoyer')")
    conversation_url = ines.url

    yann = _member(browser, live_server, "yann")
    assert "Messages (1 non lu)" in yann.locator("header").text_content()
    yann.goto(conversation_url)
    assert "On en parle ?" in yann.locator("main").text_content()
    yann.fill("textarea[name=body]", "Avec plaisir.")
    yann.click("main form button:has-text('Envoyer')")
    assert yann.locator("article.post").count() == 2
