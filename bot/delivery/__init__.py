"""The delivery engine: the durable outbox and the dispatcher that paces it to Telegram's limits."""
