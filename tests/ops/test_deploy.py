"""The deployment examples of deploy/ and docs/deploy.md say what yundan actually does: files that
parse, commands and flags that exist, settings that are read, one scheduler."""

import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from django.core.management import load_command_class


ROOT = Path(__file__).parents[2]
DEPLOY = ROOT / "deploy"
SETTINGS = (ROOT / "src/yundan/settings.py").read_text()


def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def yundan_services() -> dict[str, dict]:
    return {name: service for name, service in compose()["services"].items() if service.get("image") == "yundan:latest"}


def parses(argv: list[str]) -> None:
    """``yundan <command> <args>`` as the command's own parser reads it (SystemExit on a bad flag)."""
    assert argv[0].endswith("yundan"), argv
    app = {"serve": "yundan", "worker": "yundan", "init": "yundan", "backup": "yundan", "restore": "yundan"}[argv[1]]
    load_command_class(app, argv[1]).create_parser("yundan", argv[1]).parse_args(argv[2:])


def test_compose_runs_postgres_redis_two_web_processes_two_workers_and_a_proxy():
    services = compose()["services"]
    assert set(services) == {"postgres", "redis", "migrate", "web-1", "web-2", "worker-1", "worker-2", "proxy"}
    ours = yundan_services()
    for name, service in ours.items():
        parses(service["command"])
        env = service["environment"]
        assert env["YUNDAN_DATABASE_URL"].startswith("postgres://yundan:") and "@postgres:5432/" in env["YUNDAN_DATABASE_URL"]
        assert env["YUNDAN_REDIS_URL"] == "redis://redis:6379/0" and "YUNDAN_SECRET_KEY" not in env  # one key, from .env
        assert service["env_file"] == ".env" and "yundan-home:/var/lib/yundan" in service["volumes"]
        for needed in service["depends_on"]:
            assert needed in services, (name, needed)
    webs = [s for s in ours.values() if s["command"][1] == "serve"]
    assert len(webs) == 2 and all("--no-worker" in s["command"] and "/readyz" in str(s["healthcheck"]) for s in webs)
    workers = [s["command"] for s in ours.values() if s["command"][1] == "worker"]
    assert len(workers) == 2 and sum("--no-periodic" not in command for command in workers) == 1  # one scheduler
    assert ours["migrate"]["command"] == ["yundan", "init"]
    assert all(s["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
               for name, s in ours.items() if name != "migrate")


def test_nginx_balances_over_exactly_the_web_services_of_compose():
    upstreams = re.findall(r"server (\S+):(\d+)", (DEPLOY / "nginx.conf").read_text())
    webs = {name for name, s in yundan_services().items() if s["command"][1] == "serve"}
    assert {host for host, _ in upstreams} == webs
    assert {port for _, port in upstreams} == {"8000"}
    assert all("0.0.0.0:8000" in yundan_services()[name]["command"] for name in webs)


def unit_commands() -> dict[str, list[str]]:
    commands = {}
    for unit in (DEPLOY / "systemd").glob("*.service"):
        line = next(l for l in unit.read_text().splitlines() if l.startswith("ExecStart="))
        commands[unit.name] = shlex.split(line.removeprefix("ExecStart=").replace("%i", "8001"))
    return commands


def test_the_systemd_units_run_web_processes_workers_and_one_scheduler():
    commands = unit_commands()
    assert set(commands) == {"yundan-web@.service", "yundan-worker@.service", "yundan-scheduler.service"}
    for command in commands.values():
        parses(command)
    assert "--no-worker" in commands["yundan-web@.service"]
    assert "--no-periodic" in commands["yundan-worker@.service"]
    assert "--no-periodic" not in commands["yundan-scheduler.service"]


def test_the_systemd_units_pass_systemd_analyze_verify(tmp_path):
    if not shutil.which("systemd-analyze"):
        pytest.skip("systemd-analyze is not installed")
    executable = Path(shutil.which("yundan") or ROOT / ".venv/bin/yundan")
    for unit in (DEPLOY / "systemd").glob("*.service"):
        # The units name the documented install path; verify checks that the program exists.
        (tmp_path / unit.name).write_text(unit.read_text().replace("/opt/yundan/.venv/bin/yundan", str(executable)))
    checked = subprocess.run(["systemd-analyze", "verify", *sorted(map(str, tmp_path.iterdir()))],
                             capture_output=True, text=True)
    assert checked.returncode == 0 and checked.stderr.strip() == "", checked.stderr


def test_every_setting_the_deployment_files_name_is_one_yundan_reads():
    named = set()
    for path in (*DEPLOY.rglob("*"), ROOT / "docs/deploy.md", ROOT / "docs/operations.md"):
        if path.is_file():
            named |= set(re.findall(r"YUNDAN_([A-Z0-9_]+)", path.read_text()))
    read = set(re.findall(r'_env(?:_bool|_number)?\("([A-Z0-9_]+)"', SETTINGS)) | set(re.findall(r'_numbers_by_name\("([A-Z0-9_]+)"', SETTINGS))
    assert named and named <= read, named - read
