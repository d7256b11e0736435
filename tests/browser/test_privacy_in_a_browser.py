"""A member in a real browser downloads their data, withdraws a consent, schedules an erasure."""

from __future__ import annotations

import json
import zipfile

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.browser


def test_a_member_uses_the_privacy_centre(page, live_app, tmp_path):
    with live_app.app_context():
        make_user(username="lea", email="lea@exemple.fr")
    page.goto("/auth/login")
    page.fill("input[name=login]", "lea")
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")

    page.click("header >> text=Mes données")
    page.click("text=Préparer mon archive")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="télécharger", exact=True).click()
    archive = tmp_path / "archive.zip"
    download_info.value.save_as(archive)
    data = json.loads(zipfile.ZipFile(archive).read("data.json"))
    assert data["account"]["email"] == "lea@exemple.fr"

    region = page.locator(".consent-row", has_text="Montrer ma région")
    region.get_by_role("button").click()
    assert "Votre choix est enregistré." in page.content()
    assert "Retirer mon accord" in region.inner_text()

    page.check("input[value=delete]")
    page.fill("input[name=password]", PASSWORD)
    page.click("button:has-text('Effacer mon compte')")
    assert page.get_by_text("Annuler l'effacement").is_visible()


def test_the_privacy_page_reads_on_a_phone_and_its_tables_scroll_with_the_keyboard(
    browser, live_server
):
    context = browser.new_context(base_url=live_server, viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto("/privacy")

    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    regions = page.locator(".table-scroll").count()
    cut = page.evaluate(
        """() => [...document.querySelectorAll('.table-scroll table')].filter(table =>
            table.getBoundingClientRect().width > table.parentElement.scrollWidth + 1).length"""
    )
    results = Axe().run(page, options={"runOnly": ["scrollable-region-focusable"]})
    context.close()

    assert overflow <= 0  # the page itself never scrolls sideways
    assert regions >= 2 and cut == 0  # each wide table scrolls whole in its region
    assert results.violations_count == 0, results.generate_report()
