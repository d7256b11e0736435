"""A person in a real browser: register, verify, log in both ways, log out, change and reset."""

from __future__ import annotations

import pytest

from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.browser

EMAIL = "lea.martin@exemple.fr"
NEW_PASSWORD = "Le rabot glisse sur le chêne 2027"
LAST_PASSWORD = "Encore une phrase de passe 2028"


def _register(page, *, password=PASSWORD):
    page.goto("/auth/register")
    page.fill("input[name=email]", EMAIL)
    page.fill("input[name=username]", "lea-martin")
    page.fill("input[name=password]", password)
    page.check("input[name=accept_terms]")
    page.click("form button[type=submit]:has-text('Créer mon compte')")


def _login(page, login, password):
    page.goto("/auth/login")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", password)
    page.click("main form button[type=submit]")


def _logout(page):
    page.click("header button:has-text('Se déconnecter')")
    assert page.locator("header").get_by_text("Se connecter").is_visible()


def test_a_member_registers_verifies_logs_in_changes_and_resets_the_password(page, outbox):
    _register(page)
    assert "Consultez vos e-mails" in page.content()

    page.goto(outbox.last_link(EMAIL, "/auth/verify/"))
    assert "Votre adresse e-mail est confirmée" in page.content()

    _login(page, "lea-martin", PASSWORD)
    assert page.locator("header").get_by_text("lea-martin").is_visible()
    _logout(page)

    _login(page, EMAIL, PASSWORD)
    page.goto("/me/security")
    page.fill("input[name=current_password]", PASSWORD)
    page.fill("input[name=password]", NEW_PASSWORD)
    page.click("button:has-text('Changer le mot de passe')")
    assert "Votre mot de passe a été changé." in page.content()
    _logout(page)

    page.goto("/auth/reset")
    page.fill("input[name=email]", EMAIL)
    page.click("main form button[type=submit]")
    page.goto(outbox.last_link(EMAIL, "/auth/reset/"))
    page.fill("input[name=password]", LAST_PASSWORD)
    page.click("main form button[type=submit]")
    assert "Connectez-vous avec le nouveau" in page.content()

    _login(page, "lea-martin", LAST_PASSWORD)
    assert page.locator("header").get_by_text("lea-martin").is_visible()


def test_the_strength_of_the_password_shows_as_the_member_types(page):
    page.goto("/auth/register")
    strength = page.locator("[data-strength-output]")

    page.fill("input[name=password]", "court")
    short = strength.text_content()
    page.fill("input[name=password]", "la scie du menuisier chante")
    strong = strength.text_content()

    assert "Trop court" in short
    assert "Longueur et variété suffisantes" in strong
    # The common-password list is the server's: the meter does not promise what it cannot see.
    page.fill("input[name=password]", "Menuiserie1970")
    assert "vérifiés à l’envoi" in strength.text_content()


def test_a_refused_registration_keeps_what_was_typed_and_points_at_the_field(page):
    _register(page, password="azerty")

    error = page.locator("#password-error")
    assert error.is_visible() and "12 caractères" in error.text_content()
    assert page.input_value("input[name=email]") == EMAIL
    assert page.input_value("input[name=username]") == "lea-martin"
    assert page.get_attribute("input[name=password]", "aria-invalid") == "true"


def test_everything_works_without_javascript(page_without_js, outbox):
    page = page_without_js

    _register(page)
    page.goto(outbox.last_link(EMAIL, "/auth/verify/"))
    _login(page, "lea-martin", PASSWORD)

    assert page.locator("header").get_by_text("lea-martin").is_visible()
    _logout(page)


def test_the_page_fits_a_phone_screen(browser, live_server):
    context = browser.new_context(base_url=live_server, viewport={"width": 360, "height": 740})
    page = context.new_page()

    page.goto("/auth/register")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    context.close()

    assert overflow <= 0


def test_cookies_kept_from_before_a_logout_land_on_the_login_page(browser, live_server, live_app):
    with live_app.app_context():
        make_user(username="lea-martin", email=EMAIL)
    context = browser.new_context(base_url=live_server, locale="fr-FR")
    page = context.new_page()
    page.goto("/auth/login")
    page.fill("input[name=login]", "lea-martin")
    page.fill("input[name=password]", PASSWORD)
    page.check("input[name=remember]")
    page.click("main form button[type=submit]")
    kept = [c for c in context.cookies() if c["name"] in ("session", "remember_token")]
    assert {c["name"] for c in kept} == {"session", "remember_token"}

    _logout(page)
    context.close()
    replay = browser.new_context(base_url=live_server, locale="fr-FR")
    replay.add_cookies(kept)
    page = replay.new_page()
    page.goto("/me/security")

    assert "/auth/login" in page.url
    assert page.locator("header").get_by_text("Se connecter").is_visible()
    replay.close()


def test_a_member_sees_their_devices_and_logs_one_out(browser, live_server, live_app):
    with live_app.app_context():
        make_user(username="lea-martin", email=EMAIL)
    phone, laptop = (browser.new_context(base_url=live_server, locale="fr-FR") for _ in "ab")
    phone_page, laptop_page = phone.new_page(), laptop.new_page()
    for page in (phone_page, laptop_page):
        _login(page, "lea-martin", PASSWORD)

    laptop_page.goto("/me/security")
    assert laptop_page.locator(".devices li").count() == 2
    laptop_page.click(".devices li:not(:has(.badge)) button:has-text('Déconnecter cet appareil')")
    phone_page.goto("/me/security")

    assert laptop_page.locator(".devices li").count() == 1
    assert "/auth/login" in phone_page.url
    phone.close()
    laptop.close()
