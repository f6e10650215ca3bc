"""Embedded SQLite store: run state for resumable runs and per-blob findings for incremental scans."""
