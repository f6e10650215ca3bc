"""Captured traffic as an API: the endpoint inventory and exposure checks (who gets what, and how)."""
