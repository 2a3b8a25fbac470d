"""The lecture's worked examples, runnable."""
