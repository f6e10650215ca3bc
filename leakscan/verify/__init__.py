"""Live verification, opt-in: ask a credential's provider (read-only, documented host) whether it is still active."""
