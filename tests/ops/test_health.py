"""/healthz says the process runs; /readyz says it can work: database, migrations, queue."""

import json
import socket
import subprocess
import urllib.error
import urllib.request

import pytest
from django.db.migrations.recorder import MigrationRecorder

from yundan import health

from ops.helpers import home_env, serve
from redis_dbs import redis_url

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_redis_client():
    health._redis.cache_clear()
    yield
    health._redis.cache_clear()


def test_readyz_answers_every_check_ok_to_anyone_in_two_queries(client, django_assert_num_queries):
    health.shipped_migrations()  # read from disk once per process, before the counted request
    with django_assert_num_queries(2):
        response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "migrations": "ok", "queue": "ok"}}
    assert "no-cache" in response["Cache-Control"]


def test_readyz_is_unavailable_while_a_migration_is_missing_and_logs_which(client, caplog):
    MigrationRecorder.Migration.objects.filter(app="tracking", name="0002_trackingevent_after_terminal").delete()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable",
                               "checks": {"database": "ok", "migrations": "failed", "queue": "ok"}}
    assert "tracking.0002_trackingevent_after_terminal" in caplog.text and "yundan init" in caplog.text


def test_readyz_checks_redis_when_the_queue_is_there(client, settings):
    settings.YUNDAN_REDIS_URL = redis_url("health")
    assert client.get("/readyz").json()["checks"]["queue"] == "ok"
    health._redis.cache_clear()
    with socket.socket() as closed:  # a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        settings.YUNDAN_REDIS_URL = f"redis://127.0.0.1:{closed.getsockname()[1]}/0"
        response = client.get("/readyz")
    assert response.status_code == 503 and response.json()["checks"]["queue"] == "failed"


def get(url: str):
    try:
        return urllib.request.urlopen(url, timeout=10)
    except urllib.error.HTTPError as answer:
        return answer


def test_a_server_whose_database_is_down_is_alive_but_not_ready(tmp_path):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        database = f"postgres://yundan:s3cret-db-pass@127.0.0.1:{closed.getsockname()[1]}/yundan"
        server, base = serve(home_env(tmp_path, YUNDAN_DATABASE_URL=database), "--no-worker", stderr=subprocess.PIPE)
        try:
            alive = get(f"{base}/healthz")
            ready = get(f"{base}/readyz")
            body = json.loads(ready.read())
        finally:
            server.terminate()
            _, errors = server.communicate(timeout=30)
    assert alive.status == 200
    assert ready.status == 503
    assert body == {"status": "unavailable",
                    "checks": {"database": "failed", "migrations": "not checked", "queue": "ok"}}
    assert "readiness check database failed" in errors and "s3cret-db-pass" not in errors

