"""The log filter: each kind of secret, in a message, its arguments and a traceback."""

from __future__ import annotations

import logging
import sys

from bot.logs import REDACTOR, SecretRedactor, configure_logging


def record(msg: str, *args: object, exc: BaseException | None = None) -> logging.LogRecord:
    info = (type(exc), exc, exc.__traceback__) if exc is not None else None
    return logging.LogRecord("x", logging.DEBUG, __file__, 1, msg, args, info)


def filtered(redactor: SecretRedactor, rec: logging.LogRecord) -> str:
    assert redactor.filter(rec) is True  # redacted, never dropped
    return logging.Formatter("%(message)s").format(rec)


def test_each_kind_of_secret_is_replaced() -> None:
    redactor = SecretRedactor()
    redactor.add_secrets(["configured-secret-key-0123456789", None, "short"])
    line = filtered(
        redactor,
        record(
            "url %s secret %s hook %s buy %s key %s",
            "https://api.telegram.org/bot123456:AAbbCCddEEffGGhhIIjjKKllMMnn/getMe",
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "http://h/hooks/orders/KEYkeyKEYkey_-123?x=1",
            "http://h/go/AQEBAgM_tokenTOKEN",
            "configured-secret-key-0123456789",
        ),
    )
    for secret in (
        "AAbbCCddEEffGGhhIIjjKKllMMnn",
        "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "KEYkeyKEYkey_-123",
        "AQEBAgM_tokenTOKEN",
        "configured-secret-key-0123456789",
    ):
        assert secret not in line
    assert "/hooks/orders/<hidden>?x=1" in line and "/go/<hidden>" in line


def test_database_call_arguments_are_hidden() -> None:
    line = filtered(
        SecretRedactor(),
        record(
            "executing %s",
            "functools.partial(<built-in method execute of sqlite3.Cursor object at 0x1>, "
            "'SELECT * FROM merchants WHERE callback_key = ?', ('plainKEY42plainKEY42',))",
        ),
    )
    assert "plainKEY42plainKEY42" not in line and "<arguments hidden>" in line


def test_a_traceback_is_redacted() -> None:
    try:
        raise RuntimeError("calling https://x/bot123456:AAbbCCddEEffGGhhIIjjKKllMMnn/send")
    except RuntimeError as error:
        exc = error
    rec = record("failed", exc=exc)
    text = filtered(SecretRedactor(), rec)
    assert "RuntimeError" in text and "AAbbCCddEEffGGhhIIjjKKllMMnn" not in text
    assert sys.exc_info() == (None, None, None)


def test_short_values_and_times_are_left_alone() -> None:
    redactor = SecretRedactor()
    redactor.add_secrets(["1"])
    assert filtered(redactor, record("at 21:10:05 sent 1 of 12 to 127.0.0.1:8080")) == (
        "at 21:10:05 sent 1 of 12 to 127.0.0.1:8080"
    )


def test_configuring_logging_twice_leaves_one_stderr_handler() -> None:
    """A second `vitrine` command in one process must not write every line twice."""

    root = logging.getLogger()
    before = list(root.handlers)
    configure_logging("INFO")
    configure_logging("WARNING")
    added = [h for h in root.handlers if h not in before]
    assert len(added) == 1 and REDACTOR in added[0].filters
    assert root.level == logging.WARNING
