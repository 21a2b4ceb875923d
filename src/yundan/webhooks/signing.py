"""Standard Webhooks signing (https://www.standardwebhooks.com, symmetric scheme ``v1``).

The secret is ``whsec_`` + base64 of random key bytes; the signature is
``v1,`` + base64(HMAC-SHA256(key, f"{id}.{timestamp}.{body}")), sent with ``webhook-id`` and
``webhook-timestamp``, so a receiver verifies with any Standard Webhooks library.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import random
import secrets
import threading
import time

PREFIX = "whsec_"
KEY_BYTES = 32  # the spec asks for 24 to 64 random bytes


def new_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode()


def key_of(secret: str) -> bytes:
    if not secret.startswith(PREFIX):
        raise ValueError("签名密钥应以 whsec_ 开头 (a Standard Webhooks secret starts with whsec_)")
    return base64.b64decode(secret[len(PREFIX):], validate=True)


def signature(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    signed = msg_id.encode() + b"." + str(timestamp).encode() + b"." + body
    return "v1," + base64.b64encode(hmac.new(key_of(secret), signed, hashlib.sha256).digest()).decode()


def headers(secret: str, msg_id: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    """The three signing headers of one try. The timestamp is the real wall clock, not yundan's
    (possibly frozen) business clock: receivers reject a timestamp far from their own clock."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    return {"webhook-id": msg_id, "webhook-timestamp": str(timestamp),
            "webhook-signature": signature(secret, msg_id, timestamp, body)}


_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_last_id = 0
_id_lock = threading.Lock()


def new_message_id(moment_ms: int) -> str:
    """``msg_`` + 26 characters: 48 bits of milliseconds then 80 random bits (Crockford base32, as a
    ULID), so ids sort by creation time and never contain a dot (the signed content is dot-joined).
    Within one millisecond (or under a frozen clock) each id is the previous one plus one, so the
    ids one process makes keep their order."""
    global _last_id
    value = (moment_ms & (2**48 - 1)) << 80 | random.getrandbits(80)  # unique, not secret
    with _id_lock:
        if value >> 80 <= _last_id >> 80:
            value = _last_id + 1
        _last_id = value
    return "msg_" + "".join(_CROCKFORD[(value >> shift) & 31] for shift in range(125, -1, -5))
