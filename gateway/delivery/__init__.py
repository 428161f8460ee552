"""Reliable delivery: retry policy (pure), dispatcher and scheduler wiring."""
