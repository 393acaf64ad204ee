"""What moderators do.

The review queue, moderator actions, unban requests, user cards, the mod log and the AutoMod
settings.
"""
