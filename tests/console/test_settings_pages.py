"""设置 (admins only): carrier accounts whose secrets never come back, users and roles, shops, thresholds."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from playwright.sync_api import expect

from yundan.carriers.accounts import mask_secret
from yundan.carriers.models import CarrierAccount
from yundan.console.roles import role_of
from yundan.console.views.settings import urlpatterns

from factories import CONSOLE_PASSWORD
from fakes.kuaidi100 import CUSTOMER, KEY, FakeKuaidi100

pytestmark = pytest.mark.django_db(transaction=True)


def save(page):
    page.click("form.stack button[type=submit]")
    page.wait_for_load_state()


def test_an_admin_adds_a_kuaidi100_account_whose_key_is_never_shown_and_kept_when_left_blank(
        signed_in, live_server, shop, screenshot):
    with FakeKuaidi100() as fake:
        page = signed_in("admin")
        page.goto(f"{live_server.url}/settings/carriers/")
        page.click("a.button:text-is('快递100')")
        page.fill("input[name=name]", "k100")
        page.fill("input[name=setting_key]", KEY)
        save(page)
        expect(page.locator(".error")).to_contain_text("缺少必填设置 customer")  # complete_settings says what
        assert KEY not in page.content()  # a refused form does not echo the secret either
        page.fill("input[name=setting_customer]", CUSTOMER)
        page.fill("input[name=setting_key]", KEY)
        page.fill("input[name=setting_query_url]", fake.query_url)
        page.select_option("select[name=shop]", label=shop.name)
        save(page)

        row = page.locator("tr[data-account=k100]")
        expect(row).to_contain_text(mask_secret(KEY))
        expect(row).to_contain_text(CUSTOMER)
        expect(row).to_contain_text(shop.name)
        assert KEY not in page.content()
        row.locator("button:text-is('测试')").click()
        expect(page.locator(".messages")).to_contain_text("可用")
        assert fake.queries, "the test button made a signed call"
        screenshot(page, "settings-carriers")

        page.locator("tr[data-account=k100] a:text-is('编辑')").click()
        assert page.input_value("input[name=setting_key]") == "" and KEY not in page.content()
        expect(page.locator("form.stack")).to_contain_text(mask_secret(KEY))
        page.fill("input[name=setting_timeout]", "5")
        save(page)
        account = CarrierAccount.objects.get(name="k100")
        assert account.settings["key"] == KEY and account.settings["timeout"] == "5"
        assert account.shop == shop

        page.locator("tr[data-account=k100] a:text-is('编辑')").click()
        page.fill("input[name=setting_key]", "wrong-key-2026")
        save(page)
        page.locator("tr[data-account=k100] button:text-is('测试')").click()
        expect(page.locator(".messages li.error")).to_contain_text("测试失败")

        page.locator("tr[data-account=k100] button:text-is('停用')").click()
        expect(page.locator("tr[data-account=k100]")).to_contain_text("已停用")
        assert not CarrierAccount.objects.get(name="k100").enabled


def test_operators_and_viewers_get_403_on_every_settings_page(signed_in, live_server, client, console_users):
    page = signed_in("operator")
    response = page.goto(f"{live_server.url}/settings/")
    assert response.status == 403
    page.goto(f"{live_server.url}/exceptions/")
    expect(page.locator("header nav")).not_to_contain_text("设置")  # not offered either
    for role in ("operator", "viewer"):
        client.force_login(console_users[role])
        for pattern in urlpatterns:
            url = reverse(pattern.name, kwargs={name: 1 if name == "pk" else "kuaidi100"
                                                for name in pattern.pattern.converters})
            assert client.get(url).status_code == 403, (role, url)
            assert client.post(url).status_code == 403, (role, url)


def test_an_admin_creates_a_viewer_who_can_then_sign_in_and_manages_roles(
        signed_in, live_server, browser, console_users):
    page = signed_in("admin")
    page.goto(f"{live_server.url}/settings/users/")
    page.fill("input[name=username]", "kefu01")
    page.select_option("form.stack select[name=role]", "viewer")
    page.fill("input[name=password1]", CONSOLE_PASSWORD)
    page.fill("input[name=password2]", CONSOLE_PASSWORD + "x")
    save(page)
    expect(page.locator("form.stack .errorlist")).to_be_visible()  # Django's own check of the two passwords
    assert not get_user_model().objects.filter(username="kefu01").exists()
    page.fill("input[name=password1]", CONSOLE_PASSWORD)
    page.fill("input[name=password2]", CONSOLE_PASSWORD)
    save(page)
    expect(page.locator("tr[data-user=kefu01] td.role")).to_have_text("只读")

    context = browser.new_context(locale="zh-CN")
    other = context.new_page()
    other.goto(f"{live_server.url}/login/")
    other.fill("input[name=username]", "kefu01")
    other.fill("input[name=password]", CONSOLE_PASSWORD)
    other.click("button[type=submit]")
    other.wait_for_url(f"{live_server.url}/orders/**")
    expect(other.locator("header .me")).to_contain_text("kefu01 · 只读")
    context.close()

    row = page.locator("tr[data-user=kefu01]")
    row.locator("select[name=role]").select_option("operator")
    row.locator("button:text-is('保存')").click()
    expect(page.locator("tr[data-user=kefu01] td.role")).to_have_text("操作员")
    page.locator("tr[data-user=kefu01] button:text-is('停用')").click()
    expect(page.locator("tr[data-user=kefu01] td.active")).to_have_text("已停用")
    kefu = get_user_model().objects.get(username="kefu01")
    assert not kefu.is_active and kefu.groups.get().name == "operator"

    me = page.locator("tr[data-user=admin]")
    expect(me.locator("form")).to_have_count(0)  # no way to lock yourself out from the page…
    admin = console_users["admin"]
    answer = page.request.post(f"{live_server.url}/settings/users/{admin.pk}/active/", form={
        "csrfmiddlewaretoken": page.locator("form.stack input[name=csrfmiddlewaretoken]").input_value(), "active": "0"})
    assert "不能修改自己的角色或停用自己" in answer.text()  # …nor by posting
    admin.refresh_from_db()
    assert admin.is_active and role_of(admin) == "admin"


def test_shop_sender_block_is_edited(client, console_users, shop):
    client.force_login(console_users["admin"])
    listing = client.get(reverse("settings-shops")).content.decode()
    assert shop.name in listing and "京东物流（模拟）" in listing
    response = client.post(reverse("settings-shop", args=[shop.pk]), {
        "name": "旗舰店", "default_carrier": "sandbox", "sender_name": "华东仓", "sender_phone": "0571-88880000",
        "sender_province": "浙江省", "sender_city": "杭州市", "sender_district": "余杭区", "sender_address": "仓前街道1号",
    })
    assert response.status_code == 302 and response["Location"] == reverse("settings-shops")
    shop.refresh_from_db()
    assert (shop.name, shop.sender_name, shop.sender_city, shop.sender_address) == ("旗舰店", "华东仓", "杭州市", "仓前街道1号")
    refused = client.post(reverse("settings-shop", args=[shop.pk]), {"name": "", "default_carrier": "nope"})
    assert refused.status_code == 200 and refused.context["form"].errors.keys() == {"name", "default_carrier"}


def test_thresholds_show_the_effective_values_and_the_variables_that_change_them(client, console_users, settings):
    client.force_login(console_users["admin"])
    settings.YUNDAN_EXCEPTION_HOURS = {"stalled": 24}
    settings.YUNDAN_REMOTE_PROVINCES = ["新疆", "西藏"]
    settings.YUNDAN_REFRESH_MINUTES = {"in_transit": 90}
    page = client.get(reverse("settings-thresholds"))
    hours = {row[0]: row[2:] for row in page.context["hours"]}
    assert hours["stalled"] == (24, 48) and hours["delivery_timeout"] == (36, 36)
    assert page.context["remote"] == ["新疆维吾尔自治区", "西藏自治区"]
    assert {row[0]: row[2] for row in page.context["intervals"]}["in_transit"] == 90
    text = page.content.decode()
    for variable in ("YUNDAN_EXCEPTION_HOURS", "YUNDAN_REMOTE_PROVINCES", "YUNDAN_REFRESH_MINUTES",
                     "YUNDAN_RETIRE_DAYS", "YUNDAN_SUBSCRIBED_REFRESH_MINUTES"):
        assert variable in text
    settings.YUNDAN_EXCEPTION_HOURS = {"stalld": 24}
    assert "含未知规则：stalld" in client.get(reverse("settings-thresholds")).content.decode()
