"""Admin use cases: decisions on applications and fans' item reports (moderation), suspensions,
the waiting queue, the audit log, and the notices they send (through the outbox)."""
