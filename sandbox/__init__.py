"""A strict local stand-in for the Telegram Bot API, with a person's side (see README.md)."""
