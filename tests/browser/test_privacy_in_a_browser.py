"""A member in a real browser downloads their data, withdraws a consent, schedules an erasure."""

from __future__ import annotations

import json
import zipfile

import pytest

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
