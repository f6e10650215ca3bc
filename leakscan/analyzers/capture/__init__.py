"""Captured traffic: HAR, raw HTTP, JSON bodies and JSON-lines logs."""
