"""The carriers' HTTP client: the proxy the environment names, and how an answer's text is read."""

import pytest

from yundan.carriers.http import Response, _charset, _proxy_for


@pytest.mark.parametrize("content_type, expected", [
    ("application/json;charset=GBK", "GBK"),
    ('text/plain; charset="utf-8"', "utf-8"),
    ("application/json", "utf-8"),
    ("", "utf-8"),
])
def test_the_charset_comes_from_the_content_type(content_type, expected):
    assert _charset(content_type) == expected


def test_text_is_decoded_with_the_answers_charset_and_json_from_the_bytes():
    answer = Response(200, "{\"消息\": \"成功\"}".encode("gbk"), "gbk")
    assert answer.text == "{\"消息\": \"成功\"}"
    assert Response(200, "{\"消息\": \"成功\"}".encode()).json() == {"消息": "成功"}


def test_the_environment_proxy_is_used_unless_the_host_is_excluded(monkeypatch):
    for name in ("http_proxy", "https_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    assert _proxy_for("https://poll.kuaidi100.com/poll/query.do") == ""
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,.corp.example")
    assert _proxy_for("https://poll.kuaidi100.com/poll/query.do") == "http://proxy.internal:3128"
    assert _proxy_for("http://poll.kuaidi100.com/poll/query.do") == ""
    assert _proxy_for("https://api.corp.example/router") == ""
