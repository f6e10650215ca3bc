"""Large HAR and JSON-lines captures read block by block: scanned (`scan.py`) and masked (`mask.py`)."""
