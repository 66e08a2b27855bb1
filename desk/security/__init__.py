"""Protections of the desk (README "Security"): login throttling, response headers, upload guards, link checks."""
