"""Structure-aware detectors: documents (specs, captures, JSON) are parsed, not grepped."""
