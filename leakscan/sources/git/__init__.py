"""Reading git: repositories, the history walk, blob versions; never executes repository content."""
