"""The platform around the chat.

Accounts, channels, webhooks and egress (outbound HTTP).
"""
