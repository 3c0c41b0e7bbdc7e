"""Admin services: moderation decisions, suspensions, reports and notices."""
