import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "x" * 20 + "-production-secret-with-enough-entropy-0123456789",
    "ALLOWED_HOSTS": "synergie.example.be",
    "FIELD_ENCRYPTION_KEY": "cHJvZHVjdGlvbi10ZXN0LWtleS0zMi1ieXRlcy1sb24=",
    "DATABASE_URL": "postgres://synergie@127.0.0.1:5432/synergie",
}


def run(args, env):
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in (
            "DEBUG",
            "SECRET_KEY",
            "FIELD_ENCRYPTION_KEY",
            "SYNERGIE_TESTING",
            "DATABASE_URL",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        )
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_it_refuses_to_start_without_debug_on_the_default_secret():
    result = run(["check"], {"DEBUG": "0"})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_it_passes_the_deployment_checks_with_production_settings():
    result = run(["check", "--deploy", "--fail-level", "WARNING"], PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr


def _database_options(env) -> str:
    code = "from django.conf import settings; print(settings.DATABASES['default']['OPTIONS'])"
    result = run(["shell", "-c", code], {**PRODUCTION, **env})
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_postgresql_connections_plan_for_data_in_memory():
    assert "'options': '-c random_page_cost=1.1'" in _database_options({})
    assert "random_page_cost=2.0" in _database_options({"DB_RANDOM_PAGE_COST": "2"})
    assert "random_page_cost" not in _database_options({"PGOPTIONS": "-c work_mem=8MB"})
