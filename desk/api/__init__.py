"""The desk's HTTP API: one router per resource (``main.build_router`` includes them all) and
``deps`` (the service, a store session, the signed-in account and its role)."""
