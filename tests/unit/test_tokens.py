"""Buy-link tokens: round trips, size, tampering, expiry, hostile strings; key derivation."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

import pytest

from bot.domain.errors import DomainError
from bot.domain.tokens import (
    MAX_TOKEN_CHARS,
    BuyToken,
    ExpiredToken,
    derive_key,
    new_click_id,
    sign_buy_token,
    verify_buy_token,
)

KEY = derive_key("test-secret-key", "buy-token")
OTHER_KEY = derive_key("another-secret", "buy-token")
NOW = 1_760_000_000
DAY = 86400


def token(**changes: object) -> BuyToken:
    """Return a typical campaign token, with ``changes`` applied."""
    fields: dict[str, object] = dict(
        item_id=4211,
        fan_ref=98_765_432,
        source="campaign",
        campaign_id=77,
        sharer_ref=None,
        issued_at=NOW - 60,
    )
    fields.update(changes)
    return BuyToken(**fields)  # type: ignore[arg-type]


def b64(raw: bytes) -> str:
    """Encode like the token format: base64url without padding."""
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unb64(s: str) -> bytes:
    """Decode unpadded base64url."""
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def code_of(s: str, key: bytes = KEY) -> str:
    """Return the DomainError code verifying ``s`` raises."""
    with pytest.raises(DomainError) as caught:
        verify_buy_token(s, key, now=NOW)
    return caught.value.code


# --- round trips ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "tok",
    [
        token(),
        token(source="window", campaign_id=None),
        token(source="feed", campaign_id=None),
        token(source="cart", campaign_id=None),
        token(source="share", campaign_id=None, sharer_ref=5),
        token(source="share", campaign_id=12, sharer_ref=2**40),
        token(item_id=0, fan_ref=0, campaign_id=0, sharer_ref=0, issued_at=NOW),
        token(item_id=2**63 - 1, fan_ref=2**63 - 1, campaign_id=2**63 - 1, issued_at=NOW),
        token(item_id=127, fan_ref=128, campaign_id=16383, sharer_ref=16384),
    ],
)
def test_signed_token_verifies_to_the_same_fields(tok: BuyToken) -> None:
    s = sign_buy_token(tok, KEY)
    assert verify_buy_token(s, KEY, now=NOW) == tok


def test_token_is_url_safe_and_short_enough_for_a_button_url() -> None:
    s = sign_buy_token(token(campaign_id=10**9, sharer_ref=10**9), KEY)
    assert re.fullmatch(r"[A-Za-z0-9_-]+", s)
    assert len(s) <= 48
    # The worst case (every field at its maximum) still stays well under 80 characters.
    huge = 2**63 - 1
    worst = token(item_id=huge, fan_ref=huge, campaign_id=huge, sharer_ref=huge, issued_at=huge)
    assert len(sign_buy_token(worst, KEY)) < 80


def test_token_starts_with_version_one() -> None:
    assert unb64(sign_buy_token(token(), KEY))[0] == 1


def test_token_has_no_telegram_id_field() -> None:
    assert not any("telegram" in name for name in BuyToken.__dataclass_fields__)


def test_mac_is_truncated_hmac_sha256_over_the_body() -> None:
    raw = unb64(sign_buy_token(token(), KEY))
    body, mac = raw[:-12], raw[-12:]
    assert mac == hmac.new(KEY, body, hashlib.sha256).digest()[:12]


def test_signing_is_deterministic_and_field_sensitive() -> None:
    assert sign_buy_token(token(), KEY) == sign_buy_token(token(), KEY)
    assert sign_buy_token(token(), KEY) != sign_buy_token(token(fan_ref=98_765_433), KEY)
    assert sign_buy_token(token(), KEY) != sign_buy_token(token(), OTHER_KEY)


# --- tampering --------------------------------------------------------------------------


def test_every_flipped_byte_is_rejected() -> None:
    raw = unb64(sign_buy_token(token(), KEY))
    for index in range(len(raw)):
        for mask in (0x01, 0x80, 0xFF):
            tampered = bytearray(raw)
            tampered[index] ^= mask
            code = code_of(b64(bytes(tampered)))
            expected = "token.version" if index == 0 else "token.bad_signature"
            assert code == expected, (index, mask)


def test_every_replaced_character_is_rejected() -> None:
    s = sign_buy_token(token(), KEY)
    alphabet = "AZaz09-_"
    for index in range(len(s)):
        for replacement in alphabet:
            if replacement == s[index]:
                continue
            tampered = s[:index] + replacement + s[index + 1 :]
            assert code_of(tampered) in {
                "token.malformed",
                "token.bad_signature",
                "token.version",
            }


def test_every_truncation_is_rejected() -> None:
    s = sign_buy_token(token(), KEY)
    for length in range(0, len(s)):
        assert code_of(s[:length]) in {"token.malformed", "token.bad_signature"}


def test_token_signed_with_another_key_is_rejected() -> None:
    assert code_of(sign_buy_token(token(), OTHER_KEY)) == "token.bad_signature"


def test_key_for_another_purpose_does_not_verify() -> None:
    s = sign_buy_token(token(), derive_key("test-secret-key", "callback-data"))
    assert code_of(s) == "token.bad_signature"


def test_trailing_garbage_is_rejected() -> None:
    s = sign_buy_token(token(), KEY)
    for suffix in ("A", "AA", "AAAA", "=", "==", ".", "%00", " "):
        assert code_of(s + suffix) in {"token.malformed", "token.bad_signature"}


def test_signed_trailing_bytes_inside_the_body_are_rejected() -> None:
    raw = unb64(sign_buy_token(token(), KEY))
    body = raw[:-12] + b"\x00"
    forged = b64(body + hmac.new(KEY, body, hashlib.sha256).digest()[:12])
    assert code_of(forged) == "token.malformed"


def test_non_minimal_varint_is_rejected_even_when_signed() -> None:
    # version 1, source window, item 5 as two bytes (0x85 0x00), fan 1, issued 1
    body = bytes([1, 0, 0x85, 0x00, 1, 1])
    forged = b64(body + hmac.new(KEY, body, hashlib.sha256).digest()[:12])
    assert code_of(forged) == "token.malformed"


def test_unknown_head_bits_or_source_are_rejected_even_when_signed() -> None:
    for head in (0x06, 0x07, 0x40, 0x80):  # sources 0-5 exist (5: the Mini App)
        body = bytes([1, head, 5, 1, 1])
        forged = b64(body + hmac.new(KEY, body, hashlib.sha256).digest()[:12])
        assert code_of(forged) == "token.malformed", head


def test_non_canonical_base64_is_rejected() -> None:
    s = sign_buy_token(token(), KEY)
    raw = unb64(s)
    # Tokens are 8 mod 3 bytes long, so the last character carries unused low bits.
    assert len(raw) % 3 != 0
    last = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    variants = [s[:-1] + c for c in last if c != s[-1] and unb64(s[:-1] + c) == raw]
    assert variants, "expected spellings that decode to the same bytes"
    for variant in variants:
        assert code_of(variant) == "token.malformed"


def test_padding_and_standard_alphabet_are_rejected() -> None:
    s = sign_buy_token(token(), KEY)
    padded = s + "=" * (-len(s) % 4)
    if padded != s:
        assert code_of(padded) == "token.malformed"
    standard = base64.b64encode(unb64(s)).decode().rstrip("=")
    if standard != s:
        assert code_of(standard) == "token.malformed"


@pytest.mark.parametrize(
    "hostile",
    [
        "",
        "A",
        "AAAAA",
        "../../etc/passwd",
        "tok en",
        "tök",
        "%2e%2e",
        "A" * (MAX_TOKEN_CHARS + 1),
        "A" * 10_000,
        "\x00" * 20,
        "AQ",  # version byte only
        b64(bytes([1]) + b"\x00" * 16),
    ],
)
def test_hostile_strings_are_malformed_not_crashes(hostile: str) -> None:
    assert code_of(hostile) in {"token.malformed", "token.bad_signature"}


def test_oversized_input_is_refused_before_decoding() -> None:
    with pytest.raises(DomainError) as caught:
        verify_buy_token("A" * 201, KEY, now=NOW)
    assert caught.value.code == "token.malformed"
    assert caught.value.params["reason"] == "too_long"


def test_non_string_input_is_malformed() -> None:
    with pytest.raises(DomainError) as caught:
        verify_buy_token(b"AQID", KEY, now=NOW)  # type: ignore[arg-type]
    assert caught.value.code == "token.malformed"


def test_unknown_version_is_reported_as_version() -> None:
    raw = bytearray(unb64(sign_buy_token(token(), KEY)))
    raw[0] = 2
    assert code_of(b64(bytes(raw))) == "token.version"


# --- expiry -----------------------------------------------------------------------------


def test_token_exactly_max_age_old_is_valid() -> None:
    tok = token(issued_at=NOW - 30 * DAY)
    assert verify_buy_token(sign_buy_token(tok, KEY), KEY, now=NOW) == tok


def test_expired_token_raises_expired_with_the_decoded_token() -> None:
    tok = token(issued_at=NOW - 30 * DAY - 1)
    with pytest.raises(ExpiredToken) as caught:
        verify_buy_token(sign_buy_token(tok, KEY), KEY, now=NOW)
    assert caught.value.token == tok
    assert caught.value.code == "token.expired"
    assert isinstance(caught.value, DomainError)


def test_custom_max_age() -> None:
    tok = token(issued_at=NOW - 3600)
    s = sign_buy_token(tok, KEY)
    assert verify_buy_token(s, KEY, now=NOW, max_age=3600) == tok
    with pytest.raises(ExpiredToken):
        verify_buy_token(s, KEY, now=NOW, max_age=3599)


def test_expired_and_tampered_token_is_bad_signature_not_expired() -> None:
    raw = bytearray(unb64(sign_buy_token(token(issued_at=NOW - 90 * DAY), KEY)))
    raw[-1] ^= 1
    with pytest.raises(DomainError) as caught:
        verify_buy_token(b64(bytes(raw)), KEY, now=NOW)
    assert not isinstance(caught.value, ExpiredToken)
    assert caught.value.code == "token.bad_signature"


# --- construction -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "changes",
    [
        {"source": "email"},
        {"item_id": -1},
        {"fan_ref": 2**63},
        {"issued_at": 1.5},
        {"campaign_id": True},
        {"sharer_ref": "7"},
    ],
)
def test_bad_fields_are_refused_at_construction(changes: dict[str, object]) -> None:
    with pytest.raises(DomainError) as caught:
        token(**changes)
    assert caught.value.code == "token.bad_field"


def test_short_key_is_refused() -> None:
    with pytest.raises(DomainError) as caught:
        sign_buy_token(token(), b"short")
    assert caught.value.code == "key.too_short"


# --- keys and click ids -----------------------------------------------------------------


def test_derive_key_is_hmac_of_the_purpose_and_separates_purposes() -> None:
    key = derive_key("s3cret", "buy-token")
    assert len(key) == 32
    assert key == derive_key("s3cret", "buy-token")
    assert key != derive_key("s3cret", "webhook")
    assert key != derive_key("s3cret2", "buy-token")
    assert key == hmac.new(b"s3cret", b"vitrine-key:buy-token", hashlib.sha256).digest()


@pytest.mark.parametrize(("secret", "purpose"), [("", "buy-token"), ("s3cret", "")])
def test_derive_key_refuses_empty_inputs(secret: str, purpose: str) -> None:
    with pytest.raises(DomainError):
        derive_key(secret, purpose)


def test_click_ids_are_url_safe_sixteen_chars_and_distinct() -> None:
    ids = {new_click_id() for _ in range(1000)}
    assert len(ids) == 1000
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{16}", click_id) for click_id in ids)
