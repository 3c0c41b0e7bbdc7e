"""Expert services: applications, cards, publishing and window management."""
