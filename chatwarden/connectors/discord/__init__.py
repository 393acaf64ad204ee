"""Discord: the Gateway in, REST out (docs/connectors.md)."""
