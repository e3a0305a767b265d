"""The deployment files parse and agree with the code (docker itself cannot run on CI machines)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

from salesbot.channels import setting_models

ROOT = Path(__file__).resolve().parents[1]


def test_compose_stack_has_replicas_behind_nginx_with_postgres_and_redis():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"salesbot", "nginx", "postgres", "redis"}
    app = services["salesbot"]
    assert app["deploy"]["replicas"] >= 2 and "ports" not in app  # only nginx is published
    env = app["environment"]
    assert (
        env["SALESBOT_DATABASE_URL"].startswith("postgresql+psycopg://")
        and "@postgres:5432/" in env["SALESBOT_DATABASE_URL"]
    )
    assert env["SALESBOT_REDIS_URL"] == "redis://redis:6379/0"
    assert app["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert services["nginx"]["volumes"] == ["./deploy/nginx.conf:/etc/nginx/nginx.conf:ro"]
    for name in ("postgres", "redis"):
        assert services[name]["healthcheck"]["test"]
    # every SALESBOT_* the stack sets is a real setting
    known = {
        f.validation_alias.choices[0]
        for model in setting_models()
        for f in model.model_fields.values()
        if f.validation_alias
    }
    assert set(env) <= known


def test_nginx_retries_another_replica_and_dockerfile_serves_on_8080():
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    assert conf.count("{") == conf.count("}")
    assert re.search(r"proxy_next_upstream [^;]*\berror\b[^;]*non_idempotent;", conf)
    assert "server salesbot:8080 resolve;" in conf
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert 'CMD ["salesbot", "serve", "--host", "0.0.0.0", "--port", "8080"]' in dockerfile
    assert "USER salesbot" in dockerfile and "/healthz" in dockerfile
    copied = re.findall(r"^COPY (\w+) \./\1$", dockerfile, re.M)
    for package in copied:
        assert (ROOT / package / "__init__.py").exists()
    # every package pyproject installs is in the image (the composition root included)
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    installed = [p.rstrip("*") for p in pyproject["tool"]["setuptools"]["packages"]["find"]["include"]]
    assert sorted(installed) == sorted(copied)
