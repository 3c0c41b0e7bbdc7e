"""Fan-side services: plain async functions over the repositories, no Telegram imports."""
