"""Sources enumerate units of content (chunks) with their provenance."""
