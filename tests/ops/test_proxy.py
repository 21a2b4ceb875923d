"""yundan serve behind a reverse proxy: the forwarded headers reach Django, which believes them as
configured (YUNDAN_HTTPS for X-Forwarded-Proto, YUNDAN_TRUSTED_PROXIES for X-Forwarded-For)."""

import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from http.cookies import SimpleCookie

from ops.helpers import home_env, serve, yundan


def fetch(url: str, data: dict | None = None, headers: dict | None = None):
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    request = urllib.request.Request(url, urllib.parse.urlencode(data).encode() if data else None, headers or {})
    try:
        return urllib.request.build_opener(NoRedirect).open(request, timeout=10)
    except urllib.error.HTTPError as answer:
        return answer


def test_behind_an_https_proxy_a_login_passes_the_origin_check_and_cookies_are_secure(tmp_path):
    env = home_env(tmp_path, YUNDAN_HTTPS="1")
    yundan(env, "init")
    subprocess.run([sys.executable, "-m", "yundan.cli", "users", "create", "ops", "--role", "admin", "--password-stdin"],
                   input="correct-horse-battery-9\n", env=env, check=True, capture_output=True, text=True)
    server, base = serve(env, "--no-worker")
    proxied = {"X-Forwarded-Proto": "https"}
    try:
        page = fetch(f"{base}/login/", headers=proxied)
        cookie = SimpleCookie(page.headers["Set-Cookie"])
        token = cookie["csrftoken"].value
        form = {"username": "ops", "password": "correct-horse-battery-9", "csrfmiddlewaretoken": token}
        browser = {"Origin": base.replace("http:", "https:"), "Cookie": f"csrftoken={token}"}
        signed_in = fetch(f"{base}/login/", form, {**browser, **proxied})
        unproxied = fetch(f"{base}/login/", form, browser)  # the same form, not marked as HTTPS by a proxy
    finally:
        server.terminate()
        server.communicate(timeout=30)
    assert "secure" in page.headers["Set-Cookie"].lower()
    assert signed_in.status == 302 and signed_in.headers["Location"] == "/orders/"
    assert "secure" in signed_in.headers["Set-Cookie"].lower()
    assert unproxied.status == 403


def test_behind_a_trusted_proxy_the_public_rate_limit_counts_each_client_not_the_proxy(tmp_path):
    env = home_env(tmp_path, YUNDAN_PUBLIC_RATE_LIMIT="1", YUNDAN_TRUSTED_PROXIES="127.0.0.1")
    yundan(env, "init")
    server, base = serve(env, "--no-worker")
    track = f"{base}/track/JDX000000000001"
    try:
        first = fetch(track, headers={"X-Forwarded-For": "203.0.113.5"}).status
        again = fetch(track, headers={"X-Forwarded-For": "203.0.113.5"}).status
        other = fetch(track, headers={"X-Forwarded-For": "203.0.113.6"}).status
    finally:
        server.terminate()
        server.communicate(timeout=30)
    assert (first, again, other) == (200, 429, 200)
