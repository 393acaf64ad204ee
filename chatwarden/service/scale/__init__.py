"""Scale-out (issue 16): gateways publish accepted chat messages to Redis Streams; workers
decide and store them (``docs/scaling.md``). The single-process default does not use this."""
