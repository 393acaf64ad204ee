"""One router per area, all under ``/api/v1``; each route parses, calls one service, formats."""
