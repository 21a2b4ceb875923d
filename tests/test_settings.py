import json
import os
import subprocess
import sys
from datetime import timedelta

import pytest
from django.utils import timezone

from yundan import clock


def test_yundan_now_needs_an_offset_so_it_names_one_instant():
    with pytest.raises(ValueError, match="no UTC offset"):
        clock.parse_frozen_now("2026-11-27T10:00:00")
    assert clock.parse_frozen_now("2026-11-27T10:00:00+08:00").utcoffset() == timedelta(hours=8)


def test_a_frozen_now_is_what_every_rule_reads(frozen_now):
    assert clock.now() == frozen_now


def test_without_yundan_now_the_clock_runs(settings):
    settings.YUNDAN_NOW = None
    assert abs(clock.now() - timezone.now()) < timedelta(seconds=5)


def settings_in_a_fresh_process(tmp_path, **env_vars):
    """Settings as a new process reads them from its environment."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("YUNDAN_")}
    env.update(YUNDAN_HOME=str(tmp_path), DJANGO_SETTINGS_MODULE="yundan.settings", **env_vars)
    script = (
        "import django, json; django.setup()\n"
        "from django.conf import settings; from django.db import connection\n"
        "from yundan import clock\n"
        "info = {'vendor': connection.vendor, 'now': clock.now().isoformat()}\n"
        "if connection.vendor == 'sqlite':\n"
        "    with connection.cursor() as c:\n"
        "        info['journal'] = c.execute('PRAGMA journal_mode').fetchone()[0]\n"
        "        info['busy_ms'] = c.execute('PRAGMA busy_timeout').fetchone()[0]\n"
        "    info['db'] = str(settings.DATABASES['default']['NAME'])\n"
        "print(json.dumps(info))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    return json.loads(result.stdout)


def test_the_default_database_is_sqlite_in_wal_mode_inside_yundan_home(tmp_path):
    info = settings_in_a_fresh_process(tmp_path, YUNDAN_NOW="2026-11-27T10:00:00+08:00")
    assert info["vendor"] == "sqlite" and info["journal"] == "wal" and info["busy_ms"] >= 5000
    assert info["db"] == str(tmp_path / "yundan.sqlite3")
    assert info["now"] == "2026-11-27T10:00:00+08:00"


def test_a_database_url_switches_to_postgresql(tmp_path):
    info = settings_in_a_fresh_process(tmp_path, YUNDAN_DATABASE_URL="postgres://root@127.0.0.1:5432/test")
    assert info["vendor"] == "postgresql"


def test_a_sqlite_database_url_gets_the_same_wal_and_busy_timeout(tmp_path):
    info = settings_in_a_fresh_process(tmp_path, YUNDAN_DATABASE_URL=f"sqlite:///{tmp_path / 'other.sqlite3'}")
    assert info["journal"] == "wal" and info["busy_ms"] >= 5000 and info["db"] == str(tmp_path / "other.sqlite3")


@pytest.mark.parametrize("name, value, expected", [
    ("YUNDAN_WEBHOOK_TIMEOUT", "15s", "YUNDAN_WEBHOOK_TIMEOUT='15s': expected a number"),
    ("YUNDAN_API_RATE_LIMIT", "6.5", "YUNDAN_API_RATE_LIMIT='6.5': expected a whole number"),
    ("YUNDAN_WORKER_THREADS", "two", "YUNDAN_WORKER_THREADS='two': expected a whole number"),
    ("YUNDAN_REFRESH_RUN", "0", "YUNDAN_REFRESH_RUN=0: expected at least 1"),
])
def test_a_number_setting_that_is_no_number_stops_the_start_naming_the_variable(tmp_path, name, value, expected):
    with pytest.raises(subprocess.CalledProcessError) as failed:
        settings_in_a_fresh_process(tmp_path, **{name: value})
    assert expected in failed.value.stderr


def test_env_example_lists_every_setting():
    """Every YUNDAN_* variable settings.py reads appears in .env.example, where operators look."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    read = set(re.findall(r'_env(?:_bool|_number)?\("([A-Z_0-9]+)"', (root / "src/yundan/settings.py").read_text()))
    read |= set(re.findall(r'_numbers_by_name\("([A-Z_0-9]+)"', (root / "src/yundan/settings.py").read_text()))
    listed = set(re.findall(r"YUNDAN_([A-Z_0-9]+)=", (root / ".env.example").read_text()))
    assert len(read) > 30 and not read - listed, sorted(read - listed)
