"""Matrix: the client-server API's /sync in, the same API out (docs/connectors.md)."""
