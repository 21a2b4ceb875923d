"""Opaque page cursors: the query and the position, so the next page cannot drift from the first.

A cursor is base64url JSON; clients store it and send it back unchanged (``?cursor=…``).
"""

from __future__ import annotations

import base64
import binascii
import json

from yundan.api.errors import ApiError


def encode_cursor(data: dict) -> str:
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=False, sort_keys=True)
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(text: str, kinds: tuple[str, ...]) -> dict:
    """The cursor's data; 422 naming ``cursor`` when it is not one this API gave out."""
    try:
        data = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        data = None
    if not isinstance(data, dict) or data.get("kind") not in kinds:
        raise bad_cursor()
    return data


def bad_cursor() -> ApiError:
    return ApiError(422, "无效的游标：请原样传回上一页的 next_cursor (invalid cursor)",
                    fields=[("cursor", "not a cursor this API gave out")])
