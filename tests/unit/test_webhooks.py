"""Standard Webhooks signing and verification, secrets, and the order payload schema."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.domain.errors import DomainError
from bot.domain.webhooks import (
    decode_secret,
    new_webhook_secret,
    parse_order_payload,
    sign_webhook,
    verify_webhook,
)

# The Standard Webhooks specification's published test vector.
SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SPEC_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
SPEC_TIMESTAMP = 1614265330
SPEC_BODY = b'{"test": 2432232314}'
SPEC_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

SECRET = b"0123456789abcdef0123456789abcdef"
OLD_SECRET = b"fedcba9876543210fedcba9876543210"
NOW = 1_760_000_000
BODY = b'{"order_id":"T100","status":"paid"}'


def expected_signature(secret: bytes, msg_id: str, timestamp: int, body: bytes) -> str:
    """Compute the header value independently of the module under test."""
    content = msg_id.encode() + b"." + str(timestamp).encode() + b"." + body
    return "v1," + base64.b64encode(hmac.new(secret, content, hashlib.sha256).digest()).decode()


def headers(
    signature: str | None = None,
    *,
    msg_id: str = "msg_1",
    timestamp: int | str = NOW,
    secret: bytes = SECRET,
    body: bytes = BODY,
) -> dict[str, str]:
    """Return the three headers of a message, signed with ``secret`` unless given."""
    if signature is None:
        signature = expected_signature(secret, msg_id, int(timestamp), body)
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature,
    }


def verify_code(hdrs: dict[str, str], body: bytes = BODY, **kwargs: Any) -> str:
    """Return the DomainError code ``verify_webhook`` raises."""
    kwargs.setdefault("now", NOW)
    with pytest.raises(DomainError) as caught:
        verify_webhook([SECRET], hdrs, body, **kwargs)
    return caught.value.code


# --- signing ----------------------------------------------------------------------------


def test_signature_matches_the_specification_vector() -> None:
    key = decode_secret(SPEC_SECRET)
    assert sign_webhook(key, SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY) == SPEC_SIGNATURE


def test_specification_vector_verifies() -> None:
    hdrs = {
        "webhook-id": SPEC_ID,
        "webhook-timestamp": str(SPEC_TIMESTAMP),
        "webhook-signature": SPEC_SIGNATURE,
    }
    key = decode_secret(SPEC_SECRET)
    assert verify_webhook([key], hdrs, SPEC_BODY, now=SPEC_TIMESTAMP) == SPEC_ID


@pytest.mark.parametrize("body", [b"", b"{}", BODY, "订单".encode(), bytes(range(256))])
def test_sign_matches_an_independent_computation(body: bytes) -> None:
    assert sign_webhook(SECRET, "msg_x", 1234, body) == expected_signature(
        SECRET, "msg_x", 1234, body
    )


# --- verification: the happy paths ------------------------------------------------------


def test_valid_message_returns_its_id() -> None:
    assert verify_webhook([SECRET], headers(), BODY, now=NOW) == "msg_1"


def test_header_names_are_case_insensitive() -> None:
    hdrs = {key.upper(): value for key, value in headers().items()}
    assert verify_webhook([SECRET], hdrs, BODY, now=NOW) == "msg_1"
    mixed = {"Webhook-Id": "msg_1", "Webhook-Timestamp": str(NOW)}
    mixed["Webhook-Signature"] = headers()["webhook-signature"]
    assert verify_webhook([SECRET], mixed, BODY, now=NOW) == "msg_1"


@pytest.mark.parametrize("skew", [-300, -299, 0, 299, 300])
def test_timestamps_within_tolerance_inclusive_are_accepted(skew: int) -> None:
    hdrs = headers(timestamp=NOW + skew)
    assert verify_webhook([SECRET], hdrs, BODY, now=NOW) == "msg_1"


def test_any_of_several_signatures_may_match() -> None:
    good = expected_signature(SECRET, "msg_1", NOW, BODY)
    wrong = expected_signature(b"x" * 32, "msg_1", NOW, BODY)
    for header in (f"{wrong} {good}", f"{good} {wrong}", f"v2,abc {good}", f"  {good}  "):
        assert verify_webhook([SECRET], headers(header), BODY, now=NOW) == "msg_1"


def test_rotated_secrets_old_and_new_both_verify() -> None:
    secrets = [SECRET, OLD_SECRET]
    signed_old = headers(secret=OLD_SECRET)
    signed_new = headers(secret=SECRET)
    assert verify_webhook(secrets, signed_old, BODY, now=NOW) == "msg_1"
    assert verify_webhook(secrets, signed_new, BODY, now=NOW) == "msg_1"
    # Once the old secret is dropped, its signatures stop working.
    assert verify_code(signed_old) == "webhook.bad_signature"


def test_sender_signing_with_both_secrets_during_rotation() -> None:
    both = " ".join(
        expected_signature(secret, "msg_1", NOW, BODY) for secret in (OLD_SECRET, SECRET)
    )
    assert verify_webhook([SECRET], headers(both), BODY, now=NOW) == "msg_1"
    assert verify_webhook([OLD_SECRET], headers(both), BODY, now=NOW) == "msg_1"


# --- verification: rejections -----------------------------------------------------------


@pytest.mark.parametrize("missing", ["webhook-id", "webhook-timestamp", "webhook-signature"])
def test_missing_header(missing: str) -> None:
    hdrs = headers()
    del hdrs[missing]
    with pytest.raises(DomainError) as caught:
        verify_webhook([SECRET], hdrs, BODY, now=NOW)
    assert caught.value.code == "webhook.missing_header"
    assert caught.value.params["header"] == missing


@pytest.mark.parametrize("blank", ["", "   "])
def test_empty_header_counts_as_missing(blank: str) -> None:
    hdrs = headers()
    hdrs["webhook-signature"] = blank
    assert verify_code(hdrs) == "webhook.missing_header"


@pytest.mark.parametrize(
    "timestamp", ["abc", "-5", "+1760000000", "1.5", "1e9", "١٧٦٠٠٠٠٠٠٠", "9" * 13, "0x10"]
)
def test_bad_timestamp(timestamp: str) -> None:
    hdrs = headers(expected_signature(SECRET, "msg_1", NOW, BODY))
    hdrs["webhook-timestamp"] = timestamp
    assert verify_code(hdrs) == "webhook.bad_timestamp"


@pytest.mark.parametrize("skew", [-301, 301, -86400, 10**9])
def test_timestamps_outside_tolerance_are_refused(skew: int) -> None:
    # Correctly signed, just stale or from the future.
    assert verify_code(headers(timestamp=NOW + skew)) == "webhook.timestamp_out_of_tolerance"


def test_custom_tolerance() -> None:
    hdrs = headers(timestamp=NOW - 60)
    assert verify_webhook([SECRET], hdrs, BODY, now=NOW, tolerance=60) == "msg_1"
    assert verify_code(hdrs, tolerance=59) == "webhook.timestamp_out_of_tolerance"


@pytest.mark.parametrize("msg_id", ["a.b", "id with space", "x" * 129, "ид", "msg\n1"])
def test_bad_message_id(msg_id: str) -> None:
    assert verify_code(headers(msg_id=msg_id)) == "webhook.bad_id"


def test_tampered_body_is_refused() -> None:
    hdrs = headers()
    for index in range(len(BODY)):
        tampered = bytearray(BODY)
        tampered[index] ^= 0x01
        assert verify_code(hdrs, bytes(tampered)) == "webhook.bad_signature"
    assert verify_code(hdrs, BODY + b" ") == "webhook.bad_signature"
    assert verify_code(hdrs, BODY[:-1]) == "webhook.bad_signature"


def test_signature_is_bound_to_id_and_timestamp() -> None:
    signature = expected_signature(SECRET, "msg_1", NOW, BODY)
    assert verify_code(headers(signature, msg_id="msg_2")) == "webhook.bad_signature"
    assert verify_code(headers(signature, timestamp=NOW + 1)) == "webhook.bad_signature"


def test_every_flipped_signature_byte_is_refused() -> None:
    digest = base64.b64decode(expected_signature(SECRET, "msg_1", NOW, BODY)[3:])
    for index in range(len(digest)):
        forged = bytearray(digest)
        forged[index] ^= 0x01
        header = "v1," + base64.b64encode(bytes(forged)).decode()
        assert verify_code(headers(header)) == "webhook.bad_signature"


@pytest.mark.parametrize(
    "header",
    [
        "garbage",
        "v1,",
        "v1,!!!!",
        "v1,not base64",
        "v2," + base64.b64encode(b"x" * 32).decode(),
        "v1a," + base64.b64encode(b"x" * 32).decode(),
        "v1," + base64.b64encode(b"x" * 32).decode(),
        "v1,AAAA " * 300,
    ],
)
def test_malformed_or_wrong_signatures_are_refused(header: str) -> None:
    assert verify_code(headers(header)) == "webhook.bad_signature"


def test_wrong_version_prefix_with_right_digest_is_refused() -> None:
    right = expected_signature(SECRET, "msg_1", NOW, BODY)
    assert verify_code(headers("v2" + right[2:])) == "webhook.bad_signature"
    assert verify_code(headers(right[3:])) == "webhook.bad_signature"


def test_hex_digest_is_refused() -> None:
    content = f"msg_1.{NOW}.".encode() + BODY
    hex_digest = hmac.new(SECRET, content, hashlib.sha256).hexdigest()
    assert verify_code(headers("v1," + hex_digest)) == "webhook.bad_signature"


def test_no_secrets_means_nothing_verifies() -> None:
    with pytest.raises(DomainError) as caught:
        verify_webhook([], headers(), BODY, now=NOW)
    assert caught.value.code == "webhook.bad_signature"


# --- secrets ----------------------------------------------------------------------------


def test_new_secret_is_whsec_base64_of_32_bytes_and_round_trips() -> None:
    secret = new_webhook_secret()
    assert re.fullmatch(r"whsec_[A-Za-z0-9+/]+={0,2}", secret)
    key = decode_secret(secret)
    assert len(key) == 32
    assert key == base64.b64decode(secret.removeprefix("whsec_"))
    assert new_webhook_secret() != secret


def test_decode_secret_accepts_a_secret_without_prefix() -> None:
    assert decode_secret(SPEC_SECRET.removeprefix("whsec_")) == decode_secret(SPEC_SECRET)


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "whsec_",
        "whsec_not base64!",
        "whsec_" + base64.b64encode(b"short").decode(),
        "whsec_" + base64.b64encode(b"x" * 65).decode(),
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS",  # truncated: bad padding
    ],
)
def test_decode_secret_refuses_bad_secrets(bad: str) -> None:
    with pytest.raises(DomainError) as caught:
        decode_secret(bad)
    assert caught.value.code == "webhook.bad_secret"


# --- payload ----------------------------------------------------------------------------


def order(**changes: Any) -> dict[str, Any]:
    """Return a valid order payload with ``changes`` (a value of ... removes the field)."""
    payload: dict[str, Any] = {
        "order_id": "TB-2025_0001",
        "status": "paid",
        "partner_item_id": "6541234567",
        "click_id": "Xy3_k9-ab12CDefg",
        "quantity": 2,
        "amount_fen": 25980,
        "currency": "CNY",
        "occurred_at": "2025-10-09T14:30:00+08:00",
    }
    for key, value in changes.items():
        if value is ...:
            payload.pop(key, None)
        else:
            payload[key] = value
    return payload


def encode(payload: Any) -> bytes:
    return json.dumps(payload).encode()


def invalid(body: bytes) -> tuple[str, str]:
    """Return (field, reason) of the payload.invalid error ``body`` raises."""
    with pytest.raises(DomainError) as caught:
        parse_order_payload(body)
    assert caught.value.code == "payload.invalid"
    return str(caught.value.params["field"]), str(caught.value.params["reason"])


def test_valid_payload_parses_to_an_event() -> None:
    event = parse_order_payload(encode(order(extra_field={"ignored": True})))
    assert event.order_id == "TB-2025_0001"
    assert event.status == "paid"
    assert event.partner_item_id == "6541234567"
    assert event.click_id == "Xy3_k9-ab12CDefg"
    assert event.quantity == 2
    assert event.amount_fen == 25980
    assert event.currency == "CNY"
    assert event.occurred_at == datetime(2025, 10, 9, 6, 30, tzinfo=UTC)


@pytest.mark.parametrize("status", ["paid", "refunded", "cancelled"])
def test_each_status_parses(status: str) -> None:
    assert parse_order_payload(encode(order(status=status))).status == status


@pytest.mark.parametrize("click_id", [None, ...])
def test_null_or_absent_click_id_is_unattributed(click_id: Any) -> None:
    assert parse_order_payload(encode(order(click_id=click_id))).click_id is None


@pytest.mark.parametrize(
    ("occurred_at", "expected"),
    [
        ("2025-10-09T06:30:00Z", datetime(2025, 10, 9, 6, 30, tzinfo=UTC)),
        ("2025-10-09T06:30:00.250+00:00", datetime(2025, 10, 9, 6, 30, 0, 250000, tzinfo=UTC)),
        (0, datetime(1970, 1, 1, tzinfo=UTC)),
        (1_760_000_000, datetime.fromtimestamp(1_760_000_000, tz=UTC)),
    ],
)
def test_occurred_at_forms(occurred_at: Any, expected: datetime) -> None:
    moment = parse_order_payload(encode(order(occurred_at=occurred_at))).occurred_at
    assert moment == expected
    assert moment.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("quantity", "ok"), [(1, True), (10_000, True), (0, False), (10_001, False)]
)
def test_quantity_bounds(quantity: int, ok: bool) -> None:
    if ok:
        assert parse_order_payload(encode(order(quantity=quantity))).quantity == quantity
    else:
        assert invalid(encode(order(quantity=quantity))) == ("quantity", "range")


@pytest.mark.parametrize(
    ("amount", "ok"), [(0, True), (10**10, True), (-1, False), (10**10 + 1, False)]
)
def test_amount_bounds(amount: int, ok: bool) -> None:
    if ok:
        assert parse_order_payload(encode(order(amount_fen=amount))).amount_fen == amount
    else:
        assert invalid(encode(order(amount_fen=amount))) == ("amount_fen", "range")


@pytest.mark.parametrize(
    "field",
    ["order_id", "status", "partner_item_id", "quantity", "amount_fen", "currency", "occurred_at"],
)
def test_missing_required_field_is_named(field: str) -> None:
    assert invalid(encode(order(**{field: ...}))) == (field, "missing")


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("order_id", "", "format"),
        ("order_id", "x" * 65, "format"),
        ("order_id", "a b", "format"),
        ("order_id", "a/b", "format"),
        ("order_id", "abc\n", "format"),
        ("order_id", 12345, "type"),
        ("status", "shipped", "value"),
        ("status", "PAID", "value"),
        ("status", None, "type"),
        ("partner_item_id", "", "format"),
        ("partner_item_id", "x" * 129, "format"),
        ("partner_item_id", "a\x00b", "format"),
        ("partner_item_id", " 123", "format"),
        ("partner_item_id", 123, "type"),
        ("click_id", 7, "type"),
        ("click_id", "", "format"),
        ("click_id", "../x", "format"),
        ("click_id", "x" * 65, "format"),
        ("quantity", 1.0, "type"),
        ("quantity", "2", "type"),
        ("quantity", True, "type"),
        ("quantity", None, "type"),
        ("amount_fen", 259.8, "type"),
        ("amount_fen", "25980", "type"),
        ("amount_fen", False, "type"),
        ("currency", "USD", "value"),
        ("currency", "cny", "value"),
        ("currency", 156, "type"),
        ("occurred_at", "2025-10-09T14:30:00", "format"),
        ("occurred_at", "2025-10-09", "format"),
        ("occurred_at", "yesterday", "format"),
        ("occurred_at", "2025-10-09T14:30:00+08:00" + " " * 40, "format"),
        ("occurred_at", "0001-01-01T00:00:00+01:00", "range"),
        ("occurred_at", -1, "range"),
        ("occurred_at", 10**12, "range"),
        ("occurred_at", 1.5, "type"),
        ("occurred_at", True, "type"),
        ("occurred_at", None, "type"),
    ],
)
def test_invalid_field_is_named_with_a_reason(field: str, value: Any, reason: str) -> None:
    assert invalid(encode(order(**{field: value}))) == (field, reason)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "not_json"),
        (b"not json", "not_json"),
        (b"{", "not_json"),
        (b"[]", "not_object"),
        (b'"paid"', "not_object"),
        (b"null", "not_object"),
        (b"42", "not_object"),
        (b"\xff\xfe{}", "not_utf8"),
        (b'{"quantity": NaN}', "not_json"),
        (b'{"amount_fen": Infinity}', "not_json"),
        (b"[" * 5000 + b"]" * 5000, "not_json"),  # nesting deeper than the parser allows
        (b'{"a":' * 2500 + b"1" + b"}" * 2500, "not_json"),
        (b'{"a": ' + b"9" * 5000 + b"}", "not_json"),
    ],
)
def test_body_that_is_not_a_json_object_names_the_root(body: bytes, reason: str) -> None:
    assert invalid(body) == ("$", reason)


def test_duplicate_keys_are_refused() -> None:
    body = encode(order())[:-1] + b', "status": "refunded"}'
    assert invalid(body) == ("status", "duplicate_key")


def test_oversized_body_is_refused_before_parsing() -> None:
    body = encode(order(padding="x" * 20_000))
    with pytest.raises(DomainError) as caught:
        parse_order_payload(body)
    assert caught.value.code == "payload.too_large"
    assert parse_order_payload(body, max_bytes=len(body)).order_id == "TB-2025_0001"
    with pytest.raises(DomainError):
        parse_order_payload(body, max_bytes=len(body) - 1)
