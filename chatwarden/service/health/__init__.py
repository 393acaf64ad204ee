"""Channel health.

Analytics, shadow mode, policy preview and the operator metrics.
"""
