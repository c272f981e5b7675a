"""``python -m bot webhook register|unregister|show`` against a fake ukrainealarm on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from bot.cli import main

KEY = "ua-api-key-123"
URL = "https://bot.example.org/push/ukrainealarm"


class FakeUkrainealarm:
    """``/api/v3/webhook`` as the provider documents it, with one registration."""

    def __init__(self) -> None:
        self.registered: str | None = None
        self.calls: list[tuple[str, str | None]] = []  # (method, Authorization header)
        self._runner: web.AppRunner | None = None
        self.port = 0

    async def _handle(self, request: web.Request) -> web.Response:
        self.calls.append((request.method, request.headers.get("Authorization")))
        if request.headers.get("Authorization") != KEY:
            return web.json_response({"error": "unauthorized"}, status=401)
        if request.method == "GET":
            if self.registered is None:
                return web.json_response({}, status=404)
            return web.json_response({"webHookUrl": self.registered})
        if request.method == "DELETE":
            self.registered = None
            return web.Response(status=200)
        body = await request.json()
        if request.method == "POST" and self.registered is not None:
            return web.json_response({"error": "exists"}, status=409)
        self.registered = body["webHookUrl"]
        return web.json_response({"webHookUrl": self.registered})

    async def __aenter__(self) -> FakeUkrainealarm:
        app = web.Application()
        app.router.add_route("*", "/api/v3/webhook", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def __aexit__(self, *_exc: object) -> None:
        assert self._runner is not None
        await self._runner.cleanup()


@pytest.fixture
async def provider() -> AsyncIterator[FakeUkrainealarm]:
    async with FakeUkrainealarm() as fake:
        yield fake


def write_config(tmp_path: Path, url: str = URL) -> Path:
    pem = tmp_path / "ua.pem"
    pem.write_bytes(
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    path = tmp_path / "config.toml"
    path.write_text(
        '[web]\nlisten = "127.0.0.1:8080"\n\n[[feeds]]\nname = "ua-push"\n'
        f'kind = "ukrainealarm_webhook"\nurl = "{url}"\ntoken_env = "UA_KEY"\n'
        f"public_key_file = {json.dumps(str(pem))}\n",
        encoding="utf-8",
    )
    return path


async def run(config: Path, provider: FakeUkrainealarm, *words: str) -> int:
    api = f"http://127.0.0.1:{provider.port}"
    argv = ["webhook", *words, "--config", str(config), "--api-url", api]
    return await asyncio.to_thread(main, argv)


async def test_register_show_change_and_unregister(
    tmp_path: Path,
    provider: FakeUkrainealarm,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("UA_KEY", KEY)
    config = write_config(tmp_path)
    assert await run(config, provider, "show") == 0
    assert capsys.readouterr().out.strip() == "nothing registered"

    assert await run(config, provider, "register") == 0
    assert provider.registered == URL
    assert capsys.readouterr().out.strip() == f"registered: {URL}"
    assert await run(config, provider, "register") == 0, "twice is harmless"
    assert "already registered" in capsys.readouterr().out
    assert [m for m, _ in provider.calls] == ["GET", "GET", "POST", "GET"]
    assert {auth for _, auth in provider.calls} == {KEY}, "the raw key, no Bearer"

    moved = "https://bot.example.org/push/ua2"
    assert await run(write_config(tmp_path, moved), provider, "register") == 0
    assert provider.registered == moved and provider.calls[-1][0] == "PATCH"
    assert await run(config, provider, "show") == 0
    assert moved in capsys.readouterr().out

    assert await run(config, provider, "unregister") == 0
    assert provider.registered is None and provider.calls[-1][0] == "DELETE"


async def test_a_refused_key_is_one_line_without_the_key(
    tmp_path: Path,
    provider: FakeUkrainealarm,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("UA_KEY", "wrong-key-456")
    assert await run(write_config(tmp_path), provider, "register") == 1
    err = capsys.readouterr().err
    assert "API key was refused" in err and "wrong-key-456" not in err
    assert len(err.strip().splitlines()) == 1
    assert provider.registered is None


async def test_no_key_or_no_push_feed_is_a_config_error(
    tmp_path: Path, provider: FakeUkrainealarm, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await run(write_config(tmp_path), provider, "register") == 2
    assert "UA_KEY is not set" in capsys.readouterr().err
    assert provider.calls == []
