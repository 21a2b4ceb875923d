"""``yundan sync jd`` and friends, and the worker's periodic JD sync, against the fake JOS gateway."""

import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from fakes.jd_jos import ACCESS_TOKEN, APP_KEY, APP_SECRET

from yundan.carriers.accounts import mask_secret
from yundan.integrations.jd_settings import JD_SYNC_KEYS
from yundan.integrations.models import JdOrderSync
from yundan.integrations.tasks import sync_jd_shops
from yundan.orders.models import Order, Shop
from yundan.shipping.shipment import GivenWaybill, ShipmentRequest, confirm_shipments

from factories import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture
def jd(shop, link_jd_shop, jos, frozen_now):
    for n in range(1, 6):
        jos.add_order(f"31234567890{n}", NOW - timedelta(minutes=10 * n))
    return link_jd_shop(shop, initial_days="1", logistics_ids="sf=467")


def test_sync_jd_prints_a_summary_of_orders_and_shipments(jd, jos, capsys):
    jos.add_order("312345678909", NOW - timedelta(minutes=3), itemInfoList=[{"skuId": "", "itemTotal": "1"}])
    call_command("sync", "jd")
    out = capsys.readouterr().out
    assert "测试店铺" in out and "2026-11-27 10:00:00" in out  # the shop and its new watermark
    assert "312345678909" in out and "itemInfoList[0].skuId" in out  # the rejected order and why
    assert Order.objects.count() == 5
    confirm_shipments([ShipmentRequest("312345678901", waybills=(GivenWaybill("sf", "SF1234567890123"),))])
    call_command("sync", "jd", "--json")
    [run] = json.loads(capsys.readouterr().out)
    assert run["shop"] == "测试店铺" and run["shipments"]["accepted"] == ["312345678901"]
    assert run["orders"]["unchanged"] == 1 and run["orders"]["watermark"] == NOW.isoformat()


def test_sync_jd_since_repulls_one_shop(jd, jos, shop, capsys):
    other = Shop.objects.create(name="另一个店铺")
    call_command("sync", "jd", "--shop", shop.name, "--since", "2026-11-27T09:15:00", "--json")
    [run] = json.loads(capsys.readouterr().out)
    assert run["orders"]["start"] == "2026-11-27T09:15:00+08:00"  # no offset: Beijing time
    assert run["orders"]["created"] == 4  # modified 09:20 … 09:50
    with pytest.raises(CommandError, match="另一个店铺"):
        call_command("sync", "jd", "--shop", other.name)
    with pytest.raises(CommandError, match="ISO"):
        call_command("sync", "jd", "--since", "昨天")


def test_a_failed_sync_says_why_and_exits_non_zero(jd, jos, capsys):
    jos.token_expired = True
    with pytest.raises(CommandError, match="测试店铺"):
        call_command("sync", "jd")
    assert "已过期" in capsys.readouterr().out


def test_sync_jd_without_linked_shops_explains_how(db):
    with pytest.raises(CommandError, match="jd-shop"):
        call_command("sync", "jd")


def test_jd_shop_sets_credentials_masks_secrets_and_tests_them(shop, jos, jos_server, frozen_now, capsys):
    call_command("sync", "jd-shop", shop.name, "--set", f"endpoint={jos_server.url('/routerjson')}",
                 "--set", f"app_key={APP_KEY}", "--set", f"app_secret={APP_SECRET}",
                 "--set", f"access_token={ACCESS_TOKEN}", "--set", "logistics_ids=sf=467,yto=463", "--test")
    out = capsys.readouterr().out
    assert "已设置" in out and "京东接受了凭据" in out and "logistics_ids = sf=467,yto=463" in out
    assert APP_SECRET not in out and ACCESS_TOKEN not in out and mask_secret(APP_SECRET) in out
    call_command("sync", "jd-shop", shop.name, "--disable")
    assert "停用" in capsys.readouterr().out and not JdOrderSync.objects.get().enabled
    call_command("sync", "jd-shops", "--json")
    [state] = json.loads(capsys.readouterr().out)
    assert state["shop"] == shop.name and not state["enabled"] and ACCESS_TOKEN not in json.dumps(state)
    call_command("sync", "jd-shop", shop.name, "--set", "access_token=expired", "--enable")
    with pytest.raises(CommandError, match="无效的access_token"):
        call_command("sync", "jd-shop", shop.name, "--test")


@pytest.mark.parametrize(("args", "message"), [
    (["--set", "page_size=101"], "page_size"),
    (["--set", "logistics_ids=jd"], "logistics_ids"),
    (["--set", "colour=red"], "colour"),
    (["--set", "order_states=WAIT_SELLER_STOCK_OUT,SOMETHING"], "SOMETHING"),
    (["--set", "optional_fields=orderId,modified"], "orderState"),
    (["--set", "app_key=k"], "app_secret"),
])
def test_jd_shop_refuses_bad_settings_and_stores_nothing(shop, args, message):
    credentials = ["--set", "app_key=k", "--set", "app_secret=s", "--set", "access_token=t"]
    with pytest.raises(CommandError, match=message):
        call_command("sync", "jd-shop", shop.name, *(credentials if "app_key=k" not in args else []), *args)
    assert not JdOrderSync.objects.exists()


def test_jd_shop_needs_an_existing_shop(db):
    with pytest.raises(CommandError, match="不存在"):
        call_command("sync", "jd-shop", "nope", "--set", "app_key=k")


def test_the_periodic_task_syncs_the_shops_that_are_due(jd, jos, shop, settings):
    idle = Shop.objects.create(name="停用的店铺")
    JdOrderSync.objects.create(shop=idle, settings=jd.settings, enabled=False)
    sync_jd_shops.call_local()
    jd.refresh_from_db()
    assert Order.objects.count() == 5 and jd.last_run_at == NOW and jd.synced_until == NOW
    assert JdOrderSync.objects.get(shop=idle).last_run_at is None  # disabled: never run
    jos.add_order("312345678908", NOW + timedelta(minutes=1))
    settings.YUNDAN_NOW = NOW + timedelta(minutes=5)
    sync_jd_shops.call_local()
    assert Order.objects.count() == 5  # YUNDAN_JD_SYNC_MINUTES (10) has not passed
    settings.YUNDAN_NOW = NOW + timedelta(minutes=10)
    sync_jd_shops.call_local()
    assert Order.objects.count() == 6


def test_the_docs_describe_every_setting():
    docs = (Path(__file__).parents[2] / "docs" / "jd-sync.md").read_text()
    for key in JD_SYNC_KEYS:
        assert f"| `{key.name}` |" in docs, key.name
    for name in ("YUNDAN_JD_SYNC_MINUTES", "YUNDAN_JD_SHIPMENT_RETRY_MINUTES", "yundan sync jd"):
        assert name in docs
