"""What a browser on the desk's own pages sends with every request, for test clients that stand in
for the consoles: state-changing requests without it are refused (desk.security.origins)."""
from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

SAME_ORIGIN = {"Sec-Fetch-Site": "same-origin"}


def console_client(app: Any, **options: Any) -> TestClient:
    """A test client that calls the desk as its own console pages do."""
    return TestClient(app, headers=SAME_ORIGIN, **options)
