"""HTTP mode: sign a payload and POST it to the app's endpoint, as Slack does.

Slack signs `v0:{timestamp}:{raw body}` with HMAC-SHA256 of the signing secret and sends
X-Slack-Request-Timestamp and X-Slack-Signature ("v0=" + hex). A redelivery carries
X-Slack-Retry-Num and X-Slack-Retry-Reason ("http_timeout"). Slack waits 3 s for the
answer; send_http waits up to `timeout` (10 s) so a slow app is measured, not cut off.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from urllib.parse import urlsplit

import aiohttp

_LOOPBACK = ("127.0.0.1", "localhost")


def signature(signing_secret: str, timestamp: int, body: bytes) -> str:
    base = b"v0:" + str(timestamp).encode() + b":" + body
    return "v0=" + hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()


async def send_http(
    url: str,
    body: bytes | str,
    signing_secret: str,
    content_type: str,
    timestamp: int | None = None,
    retry_num: int | None = None,
    bad_signature: bool = False,
    timeout: float = 10,  # noqa: ASYNC109 - a plain bound, part of the agreed interface
) -> tuple[int, bytes, float]:
    """POST body signed like Slack; answers (status, response body, seconds to the answer).

    timestamp defaults to now (pass an old one for a stale request); bad_signature signs
    with another secret. Only loopback URLs are allowed: this is for tests.
    """
    if urlsplit(url).hostname not in _LOOPBACK:
        raise ValueError(f"send_http only posts to 127.0.0.1, not {url}")
    raw = body.encode() if isinstance(body, str) else body
    ts = int(time.time()) if timestamp is None else timestamp
    secret = signing_secret + "-wrong" if bad_signature else signing_secret
    headers = {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": str(ts),
        "X-Slack-Signature": signature(secret, ts, raw),
        "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
    }
    if retry_num is not None:
        headers["X-Slack-Retry-Num"] = str(retry_num)
        headers["X-Slack-Retry-Reason"] = "http_timeout"
    started = time.monotonic()
    client_timeout = aiohttp.ClientTimeout(total=timeout)
    async with (
        aiohttp.ClientSession(timeout=client_timeout, trust_env=False) as session,
        session.post(url, data=raw, headers=headers) as response,
    ):
        answer = await response.read()
        return response.status, answer, time.monotonic() - started
