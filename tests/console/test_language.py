"""Chinese first, English through Django's i18n, chosen per user; and an English catalog that keeps up.

The console's source strings are Chinese; ``src/yundan/locale/en/LC_MESSAGES/django.po`` holds their
English, compiled to the ``django.mo`` committed next to it (the package runs without a build step).
"""

import gettext
import json
import re
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from factories import NOW

import yundan
from yundan.batch.answers import OrderFacts, package_row
from yundan.console.models import UserPreference
from yundan.console.roles import set_role
from yundan.exceptions.services import sweep
from yundan.exceptions.workflow import IllegalMove, next_state
from yundan.orders.states import OrderStatus
from yundan.shipping.models import Package
from yundan.tracking.services import refresh_packages
from yundan.tracking.statuses import chinese_status_label, status_label

PACKAGE = Path(yundan.__file__).resolve().parent
CATALOG = PACKAGE / "locale" / "en" / "LC_MESSAGES"
PO, MO = CATALOG / "django.po", CATALOG / "django.mo"

CHINESE_NAV = ("订单管理", "物流工具", "异常件处理")
ENGLISH_NAV = ("Orders", "Logistics tools", "Exceptions")


@pytest.fixture(autouse=True)
def chinese_afterwards():
    """A request through the test client leaves its language active in this thread: later tests get Chinese."""
    yield
    translation.deactivate()


@pytest.fixture
def operator(django_user_model):
    def make(username):
        user = django_user_model.objects.create_user(username=username, password="unused-in-these-tests")
        set_role(user, "operator")
        return user

    return make


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


@pytest.mark.django_db
def test_chinese_by_default_english_per_user(client, operator, django_user_model):
    chosen, other = operator("chooses-english"), operator("keeps-chinese")
    client.force_login(chosen)

    tools = page(client, reverse("tools"))
    assert all(word in tools for word in CHINESE_NAV)
    assert 'lang="zh-hans"' in tools

    response = client.post(reverse("language"), {"language": "en"}, HTTP_REFERER="http://testserver/tools/")
    assert response.status_code == 302 and response["Location"] == "http://testserver/tools/"
    assert UserPreference.objects.get(user=chosen).language == "en"

    for url in (reverse("tools"), reverse("exceptions")):
        english = page(client, url)
        assert all(word in english for word in ENGLISH_NAV), url
        assert not any(word in english for word in CHINESE_NAV), url
        assert 'lang="en"' in english
    assert "<h1>Logistics tools</h1>" in page(client, reverse("tools"))

    # The choice belongs to that user, not to the process or the browser: another user still reads Chinese.
    client.logout()
    client.force_login(other)
    chinese = page(client, reverse("tools"))
    assert all(word in chinese for word in CHINESE_NAV)
    assert "Logistics tools" not in chinese

    # And the first one reads English again after signing in anew.
    client.logout()
    client.force_login(chosen)
    assert "Logistics tools" in page(client, reverse("exceptions"))


@pytest.mark.django_db
def test_back_to_chinese_and_unknown_codes_ignored(client, operator):
    user = operator("switcher")
    client.force_login(user)
    client.post(reverse("language"), {"language": "en"})
    client.post(reverse("language"), {"language": "fr"})
    assert UserPreference.objects.get(user=user).language == "en"
    client.post(reverse("language"), {"language": "zh-hans"})
    assert "物流工具" in page(client, reverse("tools"))


def test_login_page_follows_the_browser_before_sign_in(client):
    assert "登录" in page(client, reverse("login"))
    english = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Sign in" in english and "Password" in english


# --- the vocabularies: statuses, kinds, actions, roles -------------------------------------------

def choose_english(client, user):
    client.force_login(user)
    client.post(reverse("language"), {"language": "en"})


@pytest.mark.django_db
def test_choice_labels_and_roles_read_english(client, operator, make_order, django_user_model):
    make_order("312345678901")
    choose_english(client, operator("reads-english"))

    exceptions = page(client, reverse("exceptions"))
    for word in ("Stalled", "Pickup overdue", "Suspected lost", "Open", "In progress", "Closed"):
        assert f">{word}</option>" in exceptions, word
    assert "中转停滞" not in exceptions and "待处理" not in exceptions

    orders = page(client, reverse("orders"))
    for word in ("Awaiting shipment", "Shipped", "Finished", "Canceled", "Locked"):
        assert f">{word}</option>" in orders, word
    assert "<td>Awaiting shipment</td>" in orders  # the order's own status
    assert not any(word in orders for word in ("等待出库", "已发货", "已锁定"))
    assert "reads-english · Operator" in orders  # the role in the header

    admin = django_user_model.objects.create_user(username="english-admin", password="unused-in-these-tests")
    set_role(admin, "admin")
    other = django_user_model.objects.create_user(username="switched-off", password="unused", is_active=False)
    set_role(other, "viewer")
    client.logout()
    choose_english(client, admin)
    users = page(client, reverse("settings-users"))
    assert '<td class="role">Admin</td>' in users and '<td class="role">Viewer</td>' in users
    assert '<td class="active">Enabled</td>' in users and '<button type="submit">Enable</button>' in users
    assert not any(word in users for word in ("管理员</", "只读</", ">启用<"))
    thresholds = page(client, reverse("settings-thresholds"))
    assert 'as a fallback (<code class="env">YUNDAN_SUBSCRIBED_REFRESH_MINUTES</code>);' in thresholds
    assert '(suspected lost) (<code class="env">YUNDAN_RETIRE_DAYS</code>).' in thresholds
    assert "<td>Stalled</td>" in thresholds and "<td>Out for delivery</td>" in thresholds
    assert not any(mark in thresholds for mark in "（）；。")


@pytest.mark.django_db
def test_an_exception_worked_in_english_keeps_its_record_chinese(client, operator, make_order, settings):
    settings.YUNDAN_NOW = NOW
    order = make_order("312345678901", status="shipped")
    shipped_at = NOW - timedelta(days=6)
    package = Package.objects.create(order=order, carrier="sandbox", waybill_no="JDX930000000001",
                                     printed_at=shipped_at, shipped_at=shipped_at)  # scenario 3: stops moving
    refresh_packages([Package.objects.select_related("order__shop").get(pk=package.pk)])
    sweep()
    exception = package.exceptions.get(kind="stalled")
    choose_english(client, operator("works-in-english"))

    detail = page(client, reverse("exception", args=[exception.pk]))
    assert "Stalled" in detail and ">Open</span>" in detail and "Contact courier" in detail
    assert re.search(r'<span class="muted">\(\d', detail) and '<span class="muted">（' not in detail

    client.post(reverse("exception-act", args=[exception.pk]), {"action": "close", "note": "duplicate"})
    closed = page(client, reverse("exception", args=[exception.pk]))
    assert ">Closed</span>" in closed
    assert exception.log.get(action="close").note == "关闭；duplicate"  # stored as the Chinese it always was


@pytest.mark.django_db
def test_chinese_console_and_cli_keep_chinese_labels(client, operator, make_order, capsys):
    make_order("312345678901")
    client.force_login(operator("reads-chinese"))
    orders = page(client, reverse("orders"))
    assert ">已发货</option>" in orders and "<td>等待出库</td>" in orders and "reads-chinese · 操作员" in orders
    assert ">中转停滞</option>" in page(client, reverse("exceptions"))

    translation.deactivate()  # the CLI runs in LANGUAGE_CODE, as a process of its own does
    call_command("orders", "show", "312345678901", "--json")
    assert json.loads(capsys.readouterr().out)["status_label"] == "等待出库"
    with translation.override("en"):  # labels reach JSON as plain strings, whatever the language
        call_command("orders", "show", "312345678901", "--json")
        assert json.loads(capsys.readouterr().out)["status_label"] == "Awaiting shipment"


def test_text_written_in_chinese_stays_chinese_under_english():
    """Messages and sheet cells built from labels are Chinese sentences: no English creeps in."""
    with translation.override("en"):
        assert str(OrderStatus.SHIPPED.label) == "Shipped" and status_label("returning") == "Returning"
        assert chinese_status_label("returning") == "退回中"
        with pytest.raises(IllegalMove, match="异常已关闭，不能再「关闭」"):
            next_state("closed", "close")
        row = package_row("312345678901", OrderFacts("312345678901", "finished"), None)
        assert row[2] == "已完成"
        assert translation.pgettext("order status", "已完成") == "Finished"
        assert translation.gettext("已完成") == "Done"  # a batch job's


# --- the catalog ---------------------------------------------------------------------------------

def _unquote(line: str) -> str:
    body = line[line.index('"') + 1:line.rindex('"')]
    return re.sub(r'\\(.)', lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), body)


def read_po(path: Path) -> list[dict]:
    """The entries of a .po file: flags, msgctxt, msgid, msgid_plural, msgstr / msgstr[n] (no polib needed).

    Obsolete entries (``#~``) are comments here, as they are to msgfmt.
    """
    entries = []
    for block in path.read_text(encoding="utf-8").strip().split("\n\n"):
        entry, key = {"flags": set()}, None
        for line in block.splitlines():
            if line.startswith("#,"):
                entry["flags"] |= {flag.strip() for flag in line[2:].split(",")}
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                entry[key] += _unquote(line)
            else:
                key = line.split(" ", 1)[0]
                entry[key] = _unquote(line)
        if "msgid" in entry:
            entries.append(entry)
    return entries


def key(entry: dict) -> str:
    """How gettext files the entry: a context (pgettext, {% translate … context … %}) goes before an EOT."""
    return f"{entry['msgctxt']}\x04{entry['msgid']}" if "msgctxt" in entry else entry["msgid"]


def translations(entry: dict) -> list[str]:
    if "msgid_plural" in entry:
        return [value for key, value in sorted(entry.items()) if key.startswith("msgstr[")]
    return [entry["msgstr"]]


PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[sdfr]")


def test_every_entry_translated_none_fuzzy():
    entries = read_po(PO)
    header, messages = entries[0], entries[1:]
    assert header["msgid"] == "" and "fuzzy" not in header["flags"]
    assert len(messages) > 150
    for entry in messages:
        msgid = entry["msgid"]
        assert "fuzzy" not in entry["flags"], msgid
        for text in translations(entry):
            assert text.strip(), f"untranslated: {msgid}"
            assert sorted(PLACEHOLDER.findall(text)) == sorted(PLACEHOLDER.findall(msgid)), msgid
        if "msgid_plural" in entry:
            assert len(translations(entry)) == 2, msgid


def test_committed_mo_is_compiled_from_the_po():
    """The .mo holds exactly the .po's translations: a .po edited without recompiling fails here."""
    with MO.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)._catalog
    expected = {"": compiled[""]}
    for entry in read_po(PO)[1:]:
        if "msgid_plural" in entry:
            for n, text in enumerate(translations(entry)):
                expected[(key(entry), n)] = text
        else:
            expected[key(entry)] = entry["msgstr"]
    assert compiled == expected


def test_every_msgid_resolves_in_english():
    """Through Django itself (LOCALE_PATHS), not only through the files."""
    with translation.override("en"):
        for entry in read_po(PO)[1:]:
            if "msgid_plural" in entry:
                assert translation.ngettext(entry["msgid"], entry["msgid_plural"], 2) == translations(entry)[1]
            elif "msgctxt" in entry:
                assert translation.pgettext(entry["msgctxt"], entry["msgid"]) == entry["msgstr"]
            else:
                assert translation.gettext(entry["msgid"]) == entry["msgstr"]
        assert translation.gettext("订单管理") == "Orders"
    with translation.override("zh-hans"):
        assert translation.gettext("订单管理") == "订单管理"


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="makemessages needs GNU gettext's xgettext")
def test_catalog_has_every_string_of_the_source(tmp_path, settings, monkeypatch):
    """makemessages over a copy of the package finds no msgid the committed catalog lacks.

    Wrapping a new string in {% translate %} / gettext without adding its English fails here.
    """
    copy = tmp_path / "yundan"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("locale", "__pycache__", "*.pyc", "tests"))
    (copy / "locale").mkdir()
    settings.LOCALE_PATHS = [copy / "locale"]
    monkeypatch.chdir(copy)
    call_command("makemessages", locale=["en"], verbosity=0)

    fresh = {key(entry) for entry in read_po(copy / "locale" / "en" / "LC_MESSAGES" / "django.po")[1:]}
    committed = {key(entry) for entry in read_po(PO)[1:]}
    assert fresh, "makemessages found no strings at all"
    missing = sorted(fresh - committed)
    assert not missing, "strings missing from the English catalog (run makemessages -l en, translate, compile):\n" \
        + "\n".join(missing)
