"""Slack test fixtures: a started FakeSlack per test, and no proxies for loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.slack.fake_slack import FakeSlack

_PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    # slack_sdk applies proxy variables to 127.0.0.1 too, which breaks the fake
    for name in _PROXY_VARS:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    slack = FakeSlack()
    await slack.start()
    try:
        yield slack
    finally:
        await slack.stop()
