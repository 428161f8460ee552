"""The message pipeline: pure steps and the runner that persists each transition."""
