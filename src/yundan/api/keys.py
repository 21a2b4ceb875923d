"""API keys: create (the secret shown once), find by the presented key, revoke.

A key reads ``yd_<prefix>_<secret>``: the 8-character prefix finds the row and names the key in
lists; only the SHA-256 of the whole key is stored. Keys are long random strings, so a fast hash
is enough (no password stretching needed); comparison is constant-time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string
from dataclasses import dataclass
from datetime import timedelta

from yundan import clock
from yundan.api.models import ApiKey, Scope

_ALPHABET = string.ascii_letters + string.digits
_PREFIX_LENGTH, _SECRET_LENGTH = 8, 40
# last_used_at is written at most this often per key, so reads do not all become writes.
_USE_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class NewKey:
    api_key: ApiKey
    token: str  # the whole key; shown to the person once, never stored


def _random(length: int) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_key(scope: str, name: str = "", created_by=None) -> NewKey:
    if scope not in Scope.values:
        raise ValueError(f"未知的权限「{scope}」，可选：{', '.join(Scope.values)}")
    if len(name) > ApiKey._meta.get_field("name").max_length:
        raise ValueError("名称过长（最多 100 个字符）")
    prefix = _random(_PREFIX_LENGTH)
    while ApiKey.objects.filter(prefix=prefix).exists():
        prefix = _random(_PREFIX_LENGTH)
    token = f"yd_{prefix}_{_random(_SECRET_LENGTH)}"
    api_key = ApiKey.objects.create(name=name.strip(), prefix=prefix, secret_hash=_digest(token), scope=scope,
                                    created_by=created_by)
    return NewKey(api_key, token)


def key_for_token(token: str) -> ApiKey | None:
    """The live key a presented token belongs to, or None (unknown, malformed or revoked)."""
    parts = token.strip().split("_")
    if len(parts) != 3 or parts[0] != "yd":
        return None
    api_key = ApiKey.objects.filter(prefix=parts[1], revoked_at__isnull=True).first()
    if api_key is None or not hmac.compare_digest(api_key.secret_hash, _digest(token.strip())):
        return None
    now = clock.now()
    if api_key.last_used_at is None or now - api_key.last_used_at >= _USE_RESOLUTION:
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
    return api_key


def revoke_key(prefix: str) -> ApiKey:
    """Revoke by prefix (``yd_ab12cd34`` or ``ab12cd34``); revoking twice keeps the first time."""
    prefix = prefix.strip().removeprefix("yd_").split("_")[0]
    api_key = ApiKey.objects.filter(prefix=prefix).first()
    if api_key is None:
        raise LookupError(f"没有前缀为 {prefix} 的密钥 (unknown key)")
    if api_key.revoked_at is None:
        api_key.revoked_at = clock.now()
        api_key.save(update_fields=["revoked_at"])
    return api_key


def allows(api_key: ApiKey, needed: str) -> bool:
    """write includes read."""
    return api_key.scope == Scope.WRITE or needed == Scope.READ
