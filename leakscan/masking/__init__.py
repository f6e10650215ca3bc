"""Masked display values, suggestions, and the `mask` rewriter."""
