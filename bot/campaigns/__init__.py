"""Campaigns: experts reach fans through the outbox (kinds, fan-out, schedules, progress, digest)."""
