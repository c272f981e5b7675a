"""The Docker image's install steps, replayed in a fresh virtualenv (no Docker engine here).

The steps are read from the Dockerfile itself: its COPY lines build the image's /app in a
temporary directory and its `pip` RUN lines run there, so the test follows the Dockerfile.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _instructions() -> list[tuple[str, str]]:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    result = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            result.append((word.upper(), rest.strip()))
    return result


def test_dockerfile_install_steps_work_in_a_fresh_virtualenv(tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    app = tmp_path / "app"
    app.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env["PATH"] = f"{env_dir / 'bin'}{os.pathsep}{env['PATH']}"
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"

    ran_pip = 0
    for word, rest in _instructions():
        if word == "COPY":
            *sources, _dest = rest.split()
            for source in sources:
                target = app / Path(source).name
                if (ROOT / source).is_dir():
                    shutil.copytree(
                        ROOT / source, target, ignore=shutil.ignore_patterns("__pycache__")
                    )
                else:
                    shutil.copy2(ROOT / source, target)
        elif word == "RUN":
            # Both stages share one directory here: the runtime's bind mount of the build
            # stage's wheels (at ./wheels) is the build stage's ./wheels.
            while rest.startswith("--mount="):
                rest = rest.partition(" ")[2].strip()
            if rest.startswith("pip "):
                subprocess.run(
                    ["bash", "-c", rest], cwd=app, env=env, check=True, capture_output=True
                )
                ran_pip += 1
    assert ran_pip >= 2, "the Dockerfile builds the wheels and installs them with pip"

    python = env_dir / "bin" / "python"
    result = subprocess.run(
        [str(python), "-m", "bot", "--help"], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "demo" in result.stdout and "run" in result.stdout
    # The installed package (not this checkout) carries its migrations and bundled samples.
    check = subprocess.run(
        [
            str(python),
            "-c",
            "import storage.migrate as m, feeds, importlib.resources as r, sys;"
            "assert list(m.MIGRATIONS_DIR.glob('versions/0001_*.py'));"
            "assert r.files('feeds').joinpath('samples/alerts_in_ua_active_2023-04-02.json')"
            ".is_file();"
            "import bot.maps.outlines as o; assert len(o.load().regions) == 27;"
            "assert r.files('bot').joinpath('maps/data/PROVENANCE.md').is_file();"
            # The message catalogs, compiled in the image's build and complete.
            "import bot.i18n as i, bot.i18n_check as c;"
            "assert all(i.catalog_path(x, i.LOCALES, '.mo').is_file() for x in i.LANGUAGES);"
            "assert i.t('en', 'ui.saved') == 'Saved ✓';"
            "assert i.tn('uk', 'stats.chats', 2) == '2 чати';"
            "assert c.check_catalogs() == [];"
            "print(m.__file__)",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stderr
    assert str(env_dir) in check.stdout, "imported from the virtualenv, not the checkout"


def test_requirements_lock_pins_every_runtime_dependency() -> None:
    lines = [
        line
        for line in (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    ]
    assert lines and all("==" in line for line in lines)
    names = {line.split("==")[0].lower() for line in lines}
    for needed in ("python-telegram-bot", "httpx", "sqlalchemy", "aiosqlite", "asyncpg", "alembic"):
        assert needed in names
    assert sys.version_info >= (3, 11)


def test_the_image_is_multi_stage_non_root_and_checks_its_health() -> None:
    instructions = _instructions()
    stages = [rest for word, rest in instructions if word == "FROM"]
    assert len(stages) == 2 and stages[0].endswith(" AS build")
    runtime = instructions[[w for w, _ in instructions].index("FROM", 1) :]
    assert not any(w == "COPY" and "bot" in rest.split() for w, rest in runtime), (
        "the runtime installs wheels, not sources"
    )
    users = [rest for word, rest in runtime if word == "USER"]
    assert users and not users[-1].startswith(("0", "root"))
    [check] = [rest for word, rest in runtime if word == "HEALTHCHECK"]
    assert '"bot", "health"' in check
