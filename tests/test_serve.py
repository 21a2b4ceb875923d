"""`yundan serve` as a merchant runs it: the real server and its static files (the embedded worker
is tested with the worker, in tests/tracking/test_worker.py)."""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(url: str):
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    try:
        return urllib.request.build_opener(NoRedirect).open(url, timeout=5)
    except urllib.error.HTTPError as answer:
        return answer


def test_serve_answers_with_the_console_and_its_static_files(tmp_path):
    env = {**os.environ, "YUNDAN_HOME": str(tmp_path)}
    env.pop("YUNDAN_DATABASE_URL", None)
    env.pop("YUNDAN_REDIS_URL", None)
    subprocess.run([sys.executable, "-m", "yundan.cli", "init"], env=env, check=True, capture_output=True)
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "yundan.cli", "serve", f"127.0.0.1:{port}"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                health = get(f"{base}/healthz")
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)
        assert health.status == 200
        orders = get(f"{base}/orders/")
        assert orders.status == 302 and orders.headers["Location"].startswith("/login/")
        assert get(f"{base}/login/").status == 200
        assert get(f"{base}/static/console/htmx.min.js").status == 200
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    assert "http://127.0.0.1" in output
