"""``Idempotency-Key``: a request sent again with the same key gets the first answer, not a second effect.

The key is per API key. Same key and same request (operation, path and body) → the stored answer of
the first success, replayed. Same key, different request → 422 ``idempotency_key_reused``. While
the first is still running → 409 ``idempotency_in_progress`` (retry shortly). Only successes are
kept: a refused request (an error) may be retried with the same key. A key whose first request
died unfinished (a crashed process) can be used again after ``ABANDONED``. Keys are remembered
for ``KEPT`` (a day, as payment APIs do); after that the same key is a new request.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction

from yundan import clock
from yundan.api.errors import ApiError
from yundan.api.models import IdempotentRequest

ABANDONED = timedelta(minutes=10)
KEPT = timedelta(hours=24)
MAX_KEY_LENGTH = IdempotentRequest._meta.get_field("key").max_length


def request_hash(operation: str, request_data: dict) -> str:
    text = json.dumps({"operation": operation, "request": request_data}, sort_keys=True, cls=DjangoJSONEncoder)
    return hashlib.sha256(text.encode()).hexdigest()


def _claim(api_key, key: str, operation: str, digest: str) -> IdempotentRequest:
    """The key's row: ours to run (status null) when the key is new or abandoned, else the answer to replay."""
    IdempotentRequest.objects.filter(api_key=api_key, created_at__lt=clock.now() - KEPT).delete()
    try:
        with transaction.atomic():
            return IdempotentRequest.objects.create(api_key=api_key, key=key, operation=operation, request_hash=digest)
    except IntegrityError:
        pass
    row = IdempotentRequest.objects.get(api_key=api_key, key=key)
    if (row.operation, row.request_hash) != (operation, digest):
        raise ApiError(422, "这个 Idempotency-Key 已用于另一个请求 (idempotency key reused for a different request)",
                       code="idempotency_key_reused", fields=[("Idempotency-Key", "used for a different request")])
    if row.status is None:
        taken_over = IdempotentRequest.objects.filter(pk=row.pk, status__isnull=True,
                                                      created_at__lt=clock.now() - ABANDONED).update(created_at=clock.now())
        if not taken_over:
            raise ApiError(409, "同一 Idempotency-Key 的请求正在处理，请稍后重试 (in progress)",
                           code="idempotency_in_progress", headers={"Retry-After": "1"})
    return row


def run_once(request, operation: str, request_data: dict, run: Callable[[], dict]) -> dict:
    """``run()`` → the 200 answer's body, once per Idempotency-Key; without the header it simply runs."""
    key = request.headers.get("Idempotency-Key", "")
    if not key:
        return run()
    if len(key) > MAX_KEY_LENGTH:
        raise ApiError(422, f"Idempotency-Key 最长 {MAX_KEY_LENGTH} 个字符", fields=[("Idempotency-Key", "too long")])
    row = _claim(request.auth, key, operation, request_hash(operation, request_data))
    if row.status is not None:
        return row.response
    try:
        body = run()
    except BaseException:
        row.delete()  # not done: the same key may try again
        raise
    row.status, row.response = 200, json.loads(json.dumps(body, cls=DjangoJSONEncoder))
    row.save(update_fields=["status", "response"])
    return body
