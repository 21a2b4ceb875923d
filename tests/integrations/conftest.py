"""Fixtures of the JD order sync tests: the fake JOS gateway and a shop linked to it."""

import pytest
from fakes.jd_jos import ACCESS_TOKEN, APP_KEY, APP_SECRET, FakeJos

from yundan.integrations.jd_settings import complete
from yundan.integrations.models import JdOrderSync

from factories import NOW


@pytest.fixture
def jos():
    return FakeJos(now=NOW)


@pytest.fixture
def jos_server(jos):
    with jos.server() as running:
        yield running


@pytest.fixture
def link_jd_shop(jos_server):
    """``link_jd_shop(shop, window_hours="1", …)``: the shop's JD sync against the fake, no HTTP retries."""

    def link(shop, **changes) -> JdOrderSync:
        values = complete({
            "endpoint": jos_server.url("/routerjson"), "app_key": APP_KEY, "app_secret": APP_SECRET,
            "access_token": ACCESS_TOKEN, "retries": "0", **changes,
        })
        return JdOrderSync.objects.create(shop=shop, settings=values)

    return link
