"""设置 → API 密钥: an admin creates a key (shown once), sees it listed masked, revokes it; it stops working."""

import pytest
from django.test import Client
from playwright.sync_api import expect

from yundan.api.models import ApiKey

from factories import CONSOLE_PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def api_status(token: str) -> int:
    return Client().get("/api/v1/orders", headers={"Authorization": f"Bearer {token}"}).status_code


def test_an_admin_creates_a_key_sees_it_once_then_masked_and_revokes_it(signed_in, live_server, screenshot):
    page = signed_in("admin")
    page.goto(f"{live_server.url}/settings/")
    page.click(".subnav a:text-is('API 密钥')")
    page.fill("input[name=name]", "金蝶 ERP")
    page.select_option("select[name=scope]", "write")
    page.click("form.stack button[type=submit]")

    token = page.locator("#new-key").inner_text().strip()
    stored = ApiKey.objects.get()
    assert token.startswith(f"yd_{stored.prefix}_") and stored.scope == "write" and stored.created_by.username == "admin"
    row = page.locator(f"tr[data-prefix=\"{stored.prefix}\"]")
    expect(row).to_contain_text("金蝶 ERP")
    expect(row).to_contain_text(f"yd_{stored.prefix}_••••")
    screenshot(page, "settings-apikeys-created")
    assert api_status(token) == 200

    page.goto(f"{live_server.url}/settings/apikeys/")  # seen again: the key itself is gone for good
    assert token not in page.content() and page.locator("#new-key").count() == 0
    expect(row).to_contain_text("有效")

    page.on("dialog", lambda dialog: dialog.accept())
    row.locator("button:text-is('吊销')").click()
    expect(page.locator(".messages")).to_contain_text(f"已吊销密钥 {stored.prefix}")
    expect(page.locator(f"tr[data-prefix=\"{stored.prefix}\"] .state")).to_contain_text("已吊销")
    assert api_status(token) == 401
    screenshot(page, "settings-apikeys")


def test_only_admins_reach_the_key_page(console_users, client):
    for role, status in (("operator", 403), ("viewer", 403), ("admin", 200)):
        client.login(username=role, password=CONSOLE_PASSWORD)
        assert client.get("/settings/apikeys/").status_code == status, role
        assert client.post("/settings/apikeys/", {"name": "x", "scope": "write"}).status_code == status, role
    assert ApiKey.objects.count() == 1  # the admin's
