"""Chinese first, English through Django's i18n, chosen per user; and an English catalog that keeps up.

The console's source strings are Chinese; ``src/yundan/locale/en/LC_MESSAGES/django.po`` holds their
English, compiled to the ``django.mo`` committed next to it (the package runs without a build step).
"""

import gettext
import re
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

import yundan
from yundan.console.models import UserPreference
from yundan.console.roles import set_role

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


# --- the catalog ---------------------------------------------------------------------------------

def _unquote(line: str) -> str:
    body = line[line.index('"') + 1:line.rindex('"')]
    return re.sub(r'\\(.)', lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), body)


def read_po(path: Path) -> list[dict]:
    """The entries of a .po file: flags, msgid, msgid_plural, msgstr / msgstr[n] (no polib needed).

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
                expected[(entry["msgid"], n)] = text
        else:
            expected[entry["msgid"]] = entry["msgstr"]
    assert compiled == expected


def test_every_msgid_resolves_in_english():
    """Through Django itself (LOCALE_PATHS), not only through the files."""
    with translation.override("en"):
        for entry in read_po(PO)[1:]:
            if "msgid_plural" in entry:
                assert translation.ngettext(entry["msgid"], entry["msgid_plural"], 2) == translations(entry)[1]
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

    fresh = {entry["msgid"] for entry in read_po(copy / "locale" / "en" / "LC_MESSAGES" / "django.po")[1:]}
    committed = {entry["msgid"] for entry in read_po(PO)[1:]}
    assert fresh, "makemessages found no strings at all"
    missing = sorted(fresh - committed)
    assert not missing, "strings missing from the English catalog (run makemessages -l en, translate, compile):\n" \
        + "\n".join(missing)
