"""Orchestration: sources -> matcher and analyzers -> scoring -> masking -> suppression."""
