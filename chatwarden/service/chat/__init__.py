"""The chat path.

Sending (rules, AutoMod, the detection hook, the store), ingest, chat modes, text checks,
per-channel engines and private-term redaction.
"""
