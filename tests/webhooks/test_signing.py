"""Signatures follow Standard Webhooks: verified here by the standardwebhooks package, not by our code."""

import base64
import json
import re
import time

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from yundan.webhooks.signing import headers, key_of, new_message_id, new_secret, signature

BODY = json.dumps({"type": "package.shipped", "data": {"order": {"order_no": "312345678901"}}},
                  ensure_ascii=False, separators=(",", ":")).encode()


def test_a_signed_body_verifies_with_the_standard_webhooks_library():
    secret = new_secret()
    signed = headers(secret, "msg_01KB1GKW80SQE702SXC680W3RZ", BODY)
    assert Webhook(secret).verify(BODY, signed) == json.loads(BODY)


def test_a_changed_body_another_secret_or_an_old_timestamp_fails_verification():
    secret = new_secret()
    signed = headers(secret, "msg_1", BODY)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(BODY.replace(b"312345678901", b"312345678902"), signed)
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(BODY, signed)
    with pytest.raises(WebhookVerificationError, match="too old"):
        Webhook(secret).verify(BODY, headers(secret, "msg_1", BODY, timestamp=int(time.time()) - 3600))


def test_the_signature_is_hmac_sha256_over_id_timestamp_and_body_as_the_library_computes_it():
    secret = new_secret()
    from datetime import UTC, datetime

    theirs = Webhook(secret).sign("msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", datetime.fromtimestamp(1674087231, UTC),
                                  BODY.decode())
    assert signature(secret, "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", 1674087231, BODY) == theirs


def test_secrets_are_whsec_and_32_random_bytes():
    first, second = new_secret(), new_secret()
    assert first.startswith("whsec_") and first != second
    assert len(key_of(first)) == 32 and base64.b64decode(first[6:]) == key_of(first)
    with pytest.raises(ValueError, match="whsec_"):
        key_of("not-a-secret")


def test_message_ids_sort_by_creation_and_never_contain_a_dot():
    earlier = [new_message_id(1_764_208_800_000 + n) for n in range(50)]
    assert earlier == sorted(earlier)
    assert all(re.fullmatch(r"msg_[0-9A-Z]{26}", msg_id) for msg_id in earlier)
    same_moment = [new_message_id(1_764_208_800_000) for _ in range(100)]  # a frozen clock
    assert len(set(same_moment)) == 100 and same_moment == sorted(same_moment)


def test_the_ten_line_check_in_the_docs_verifies_our_signatures():
    from pathlib import Path

    docs = (Path(__file__).parents[2] / "docs" / "webhooks.md").read_text()
    code = re.search(r"```python\n(import base64, hashlib, hmac, time\n.*?)```", docs, re.S)[1]
    assert len(code.strip().splitlines()) <= 11
    namespace = {}
    exec(code, namespace)
    secret = new_secret()
    signed = headers(secret, "msg_01KB1GKW80SQE702SXC680W3RZ", BODY)
    assert namespace["verify"](secret, signed, BODY)
    assert not namespace["verify"](secret, signed, BODY + b" ")
    assert not namespace["verify"](new_secret(), signed, BODY)
