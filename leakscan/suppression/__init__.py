"""What hides a finding: inline ignores, allowlists, baselines."""
