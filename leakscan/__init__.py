"""leakscan: secrets and sensitive-data exposure scanner."""
from __future__ import annotations

__version__ = "0.1.0"
