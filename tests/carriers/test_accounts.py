import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from fakes.kuaidi100 import KEY, FakeKuaidi100

from yundan.carriers.accounts import account_for, carrier_for, complete_settings, kind_of, mask_secret
from yundan.carriers.base import CarrierError
from yundan.carriers.models import CarrierAccount
from yundan.orders.models import Shop

pytestmark = pytest.mark.django_db

JOS = {"app_key": "k", "app_secret": "s3cr3t-value", "access_token": "t0ken-value", "customer_code": "010K1"}


def account(name, kind, shop=None, enabled=True, **given):
    values = complete_settings(kind_of(kind), given or ({"customer": "C", "key": "K"} if kind == "kuaidi100" else JOS))
    return CarrierAccount.objects.create(name=name, kind=kind, shop=shop, settings=values, enabled=enabled)


def test_defaults_fill_in_and_unknown_or_missing_keys_are_named():
    values = complete_settings(kind_of("kuaidi100"), {"customer": "C", "key": "K"})
    assert values["query_url"] == "https://poll.kuaidi100.com/poll/query.do" and values["timeout"] == "10"
    with pytest.raises(CarrierError, match="querry_url"):
        complete_settings(kind_of("kuaidi100"), {"customer": "C", "key": "K", "querry_url": "x"})
    with pytest.raises(CarrierError, match="key"):
        complete_settings(kind_of("kuaidi100"), {"customer": "C"})
    with pytest.raises(CarrierError, match="timeout"):
        complete_settings(kind_of("kuaidi100"), {"customer": "C", "key": "K", "timeout": "soon"})


def test_every_networked_kind_has_an_endpoint_key():
    for kind in ("jd_jos", "jd_lop", "kuaidi100"):
        names = {key.name for key in kind_of(kind).keys}
        assert names & {"endpoint", "query_url"}, kind


def test_secrets_are_never_shown_in_full():
    assert mask_secret("s3cr3t-value") == "s3********ue"
    assert mask_secret("abc") == "***"


def test_the_shops_own_account_comes_before_a_shared_one_and_the_courier_before_an_aggregator(shop):
    other = Shop.objects.create(name="别的店")
    shared_k100 = account("shared-k100", "kuaidi100")
    assert account_for(shop.pk, "jd") == shared_k100
    shared_jos = account("shared-jos", "jd_jos")
    assert account_for(shop.pk, "jd") == shared_jos  # JD's own platform before the aggregator
    own_k100 = account("own-k100", "kuaidi100", shop=shop)
    assert account_for(shop.pk, "jd") == own_k100  # the shop's own before a shared one
    assert account_for(shop.pk, "sf") == own_k100
    assert account_for(other.pk, "jd") == shared_jos
    assert account_for(shop.pk, "jd", allocate=True) == shared_jos  # only JOS hands out numbers


def test_disabled_accounts_are_skipped_and_no_account_is_a_clear_error(shop):
    account("off", "kuaidi100", enabled=False)
    with pytest.raises(CarrierError, match="carriers add"):
        carrier_for(shop.pk, "sf")
    assert carrier_for(shop.pk, "sandbox").simulated  # the sandbox needs no account


def test_carriers_add_list_and_test_against_the_fake(shop, capsys):
    with FakeKuaidi100() as fake:
        settings = fake.settings()
        call_command("carriers", "add", "kuaidi100", "--name", "k100", "--shop", shop.name,
                     *[arg for k, v in settings.items() for arg in ("--set", f"{k}={v}")])
        added = capsys.readouterr().out
        assert "已添加" in added and KEY not in added
        call_command("carriers", "list", "--json")
        listed = capsys.readouterr().out
        assert '"k100"' in listed and KEY not in listed and mask_secret(KEY) in listed
        call_command("carriers", "test", "k100")
        assert "可用" in capsys.readouterr().out
        assert fake.queries, "the test made a signed call"
        call_command("carriers", "add", "kuaidi100", "--name", "k100", "--set", "key=wrong")
        with pytest.raises(CommandError):
            call_command("carriers", "test", "k100")
    assert CarrierAccount.objects.get(name="k100").shop == shop


def test_carriers_add_refuses_bad_settings_and_stores_nothing(capsys):
    with pytest.raises(CommandError, match="key=value"):
        call_command("carriers", "add", "kuaidi100", "--name", "x", "--set", "customer")
    with pytest.raises(CommandError, match="customer"):
        call_command("carriers", "add", "kuaidi100", "--name", "x", "--set", "key=K")
    with pytest.raises(CommandError, match="店铺"):
        call_command("carriers", "add", "kuaidi100", "--name", "x", "--shop", "nope", "--set", "key=K",
                     "--set", "customer=C")
    assert not CarrierAccount.objects.exists()


def test_the_readme_documents_every_setting_of_every_kind():
    from pathlib import Path

    from yundan.carriers.kinds import KINDS

    readme = (Path(__file__).parents[2] / "README.md").read_text()
    for kind in KINDS.values():
        assert f"`{kind.kind}`" in readme
        for key in kind.keys:
            assert f"| `{key.name}` |" in readme, (kind.kind, key.name)
