"""Matching engine: prefilter + exact regex, entropy, validators, filters."""
