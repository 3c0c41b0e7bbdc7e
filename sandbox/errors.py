"""Bot API errors with Telegram's own codes and description texts."""

from __future__ import annotations

from typing import Any

# Telegram's exact description texts, so bot code that narrows errors by text sees the real thing.
TEXT_EMPTY = "Bad Request: message text is empty"
TEXT_TOO_LONG = "Bad Request: message is too long"
CAPTION_TOO_LONG = "Bad Request: message caption is too long"
CHAT_NOT_FOUND = "Bad Request: chat not found"
CHAT_ID_EMPTY = "Bad Request: chat_id is empty"
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
EDIT_NOT_FOUND = "Bad Request: message to edit not found"
DELETE_NOT_FOUND = "Bad Request: message to delete not found"
CANT_BE_EDITED = "Bad Request: message can't be edited"
NO_TEXT_TO_EDIT = "Bad Request: there is no text in the message to edit"
NO_CAPTION_TO_EDIT = "Bad Request: there is no caption in the message to edit"
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"
BUTTON_DATA_INVALID = "Bad Request: BUTTON_DATA_INVALID"
BUTTON_URL_INVALID = "Bad Request: BUTTON_URL_INVALID"
WRONG_FILE = "Bad Request: wrong file identifier/HTTP URL specified"
URL_CONTENT_FAILED = "Bad Request: failed to get HTTP URL content"
IMAGE_PROCESS_FAILED = "Bad Request: IMAGE_PROCESS_FAILED"
BLOCKED = "Forbidden: bot was blocked by the user"
WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
SET_WEBHOOK_CONFLICT = "Conflict: terminated by setWebhook request"
POLLING_CONFLICT = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)


class BotApiError(Exception):
    """A failed Bot API call, rendered as Telegram's `{"ok": false, ...}` body."""

    def __init__(
        self, error_code: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.parameters = parameters

    def body(self) -> dict[str, Any]:
        """Return the JSON body Telegram sends for this error."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


# Telegram's server error codes the Bot API server rewrites (Client::fail_query_with_error).
_SERVER_ERROR_TEXTS: dict[str, tuple[int, str]] = {
    "MESSAGE_NOT_MODIFIED": (
        400,
        "message is not modified: specified new message content and reply markup are exactly the "
        "same as a current content and reply markup of the message",
    ),
    "WC_CONVERT_URL_INVALID": (400, "Wrong HTTP URL specified"),
    "EXTERNAL_URL_INVALID": (400, "Wrong HTTP URL specified"),
    "WEBPAGE_CURL_FAILED": (400, "Failed to get HTTP URL content"),
    "WEBPAGE_MEDIA_EMPTY": (400, "Wrong type of the web page content"),
    "MEDIA_GROUPED_INVALID": (400, "Can't use the media of the specified type in the album"),
    "REPLY_MARKUP_TOO_LONG": (400, "reply markup is too long"),
    "INPUT_USER_DEACTIVATED": (403, "Forbidden: user is deactivated"),
    "USER_IS_BLOCKED": (403, "bot was blocked by the user"),
    "QUERY_ID_INVALID": (
        400,
        "query is too old and response timeout expired or query ID is invalid",
    ),
    "MESSAGE_DELETE_FORBIDDEN": (400, "message can't be deleted"),
}
_PREFIXES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    500: "Internal Server Error",
}


def td_error(code: int, message: str) -> BotApiError:
    """Return the Bot API error for an error td or Telegram's server reports with `message`.

    Mirrors Client::fail_query_with_error: codes below 400 and 404 become 400, an upper-case 403
    is a 400, a few server codes get their well-known texts, the code's name is prefixed and the
    first letter is lower-cased unless the message is an UPPER_CASE code ("Message text is
    empty" -> "Bad Request: message text is empty", "BUTTON_DATA_INVALID" stays).
    """
    if (
        code < 400
        or code == 404
        or (code == 403 and all(c == "_" or "A" <= c <= "Z" or c.isdigit() for c in message))
    ):
        code = 400
    if code == 400 and message in _SERVER_ERROR_TEXTS:
        code, message = _SERVER_ERROR_TEXTS[message]
    prefix = _PREFIXES.get(code)
    if prefix is None:
        return BotApiError(400, f"Bad Request: {message}")
    if message.startswith(prefix):
        return BotApiError(code, message)
    if not message:
        return BotApiError(code, prefix)
    if len(message) >= 2 and (message[1] == "_" or "A" <= message[1] <= "Z"):
        return BotApiError(code, f"{prefix}: {message}")
    first = message[:1]
    if "A" <= first <= "Z":
        first = first.lower()
    return BotApiError(code, f"{prefix}: {first}{message[1:]}")


def bad_request(description: str) -> BotApiError:
    """Return a 400 error; `description` may omit the "Bad Request: " prefix."""
    if not description.startswith("Bad Request: "):
        description = "Bad Request: " + description
    return BotApiError(400, description)


def too_many_requests(retry_after: int) -> BotApiError:
    """Return a 429 error asking the client to wait `retry_after` whole seconds (at least 1)."""
    retry_after = max(1, int(retry_after))
    return BotApiError(
        429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
    )


class SimError(Exception):
    """A failed /sim/ call, rendered as `{"error": "..."}` with an HTTP status."""

    def __init__(self, status_code: int, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message
