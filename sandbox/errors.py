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
