"""Domain services: permission checks, transactions, events. The web and CLI layers call these."""
