"""Rule packs: loading, validation and `rules check`."""
