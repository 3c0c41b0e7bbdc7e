"""initData checks (bot/miniapp/init_data.py): Telegram's two signatures, and what is refused.

The signer in tests/auxil/init_data.py is itself checked against telegram-webapp-auth, an
independent implementation of Telegram's algorithm, so the two cannot share one mistake.
"""

from __future__ import annotations

import time
from datetime import timedelta
from urllib.parse import parse_qsl, urlencode

import pytest
from telegram_webapp_auth.auth import TelegramAuthenticator, generate_secret_key
from telegram_webapp_auth.errors import InvalidInitDataError

from bot.miniapp.init_data import InitDataRefused, check_init_data, secret_key
from tests.auxil.init_data import TEST_PUBLIC_KEY, init_data, person, sign

TOKEN = "100001:vitrine-test-token-0000000000"
OTHER_TOKEN = "100002:another-bots-token-00000000000"
DAY = 86400


def check(raw: str, *, token: str = TOKEN, max_age: int = DAY, now: int | None = None) -> object:
    return check_init_data(
        raw,
        bot_token=token,
        bot_id=int(token.split(":")[0]),
        public_key_hex=TEST_PUBLIC_KEY,
        max_age_seconds=max_age,
        now=int(time.time()) if now is None else now,
    )


def test_the_secret_key_is_hmac_of_the_token_under_webappdata() -> None:
    assert secret_key(TOKEN) == generate_secret_key(TOKEN)


def test_the_test_signer_agrees_with_an_independent_implementation() -> None:
    raw = init_data(TOKEN, 42)
    parsed = TelegramAuthenticator(generate_secret_key(TOKEN)).validate(
        raw, expr_in=timedelta(days=1)
    )
    assert parsed.user is not None and parsed.user.id == 42
    with pytest.raises(InvalidInitDataError):
        TelegramAuthenticator(generate_secret_key(OTHER_TOKEN)).validate(raw)


def test_hash_signed_init_data_names_the_person() -> None:
    raw = init_data(TOKEN, 42, first_name="林", language_code="zh-hans", start_param="mei_beauty")
    checked = check(raw)
    assert checked.user.id == 42  # type: ignore[attr-defined]
    assert checked.user.first_name == "林"  # type: ignore[attr-defined]
    assert checked.user.language_code == "zh-hans"  # type: ignore[attr-defined]
    assert checked.start_param == "mei_beauty"  # type: ignore[attr-defined]


def test_only_the_ed25519_signature_is_enough() -> None:
    """Bot API 8.0's third-party validation: no `hash`, a `signature` over bot id + fields."""
    assert check(init_data(TOKEN, 42, with_hash=False)).user.id == 42  # type: ignore[attr-defined]


def test_only_the_hash_is_enough() -> None:
    assert check(init_data(TOKEN, 42, with_signature=False)).user.id == 42  # type: ignore[attr-defined]


def _tampered(raw: str, **changes: str) -> str:
    fields = dict(parse_qsl(raw))
    fields.update(changes)
    return urlencode(fields)


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(init_data(OTHER_TOKEN, 42), id="signed-for-another-bot"),
        pytest.param(_tampered(init_data(TOKEN, 42), user=person(43)), id="tampered-user"),
        pytest.param(
            _tampered(init_data(TOKEN, 42, with_signature=False), hash="0" * 64), id="forged-hash"
        ),
        pytest.param(
            _tampered(init_data(TOKEN, 42, with_hash=False), signature="A" * 86),
            id="forged-signature",
        ),
        pytest.param(_tampered(init_data(TOKEN, 42), start_param="other"), id="tampered-start"),
        pytest.param(init_data(TOKEN, 42, with_hash=False, with_signature=False), id="unsigned"),
        pytest.param("", id="empty"),
        pytest.param("user=%7B%7D&hash=abc&hash=abc", id="duplicate-field"),
        pytest.param("%ff%fe=1", id="not-utf8"),
        pytest.param("x" * 9000, id="oversized"),
    ],
)
def test_forged_or_tampered_init_data_is_refused(raw: str) -> None:
    with pytest.raises(InitDataRefused):
        check(raw)


def test_another_bots_ed25519_signature_is_refused() -> None:
    """The signature covers the bot id: one signed for bot 100002 does not open bot 100001."""
    raw = init_data(OTHER_TOKEN, 42, with_hash=False)
    with pytest.raises(InitDataRefused):
        check(raw)


def test_an_auth_date_older_than_the_allowed_age_is_refused() -> None:
    now = int(time.time())
    raw = init_data(TOKEN, 42, auth_date=now - DAY - 1)
    with pytest.raises(InitDataRefused, match="expired"):
        check(raw, now=now)
    assert check(raw, now=now, max_age=2 * DAY)


def test_an_auth_date_from_the_future_is_refused() -> None:
    now = int(time.time())
    with pytest.raises(InitDataRefused, match="future"):
        check(init_data(TOKEN, 42, auth_date=now + 3600), now=now)


@pytest.mark.parametrize(
    "user",
    [
        '{"first_name":"x"}',
        '{"id":"42","first_name":"x"}',
        '{"id":0,"first_name":"x"}',
        '{"id":42}',
        '{"id":42,"first_name":"x","is_bot":true}',
        "[42]",
        "not json",
    ],
)
def test_a_signed_user_that_is_not_a_person_is_refused(user: str) -> None:
    raw = sign({"user": user, "auth_date": str(int(time.time()))}, bot_token=TOKEN)
    with pytest.raises(InitDataRefused):
        check(raw)
