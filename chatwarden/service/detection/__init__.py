"""Proactive detection in the live service.

The hook around the pure detectors (``chatwarden.detect``) and its settings, Shield Mode, trust
gates, strikes, suspicious users, shared ban lists, policy lists and spam settings.
"""
