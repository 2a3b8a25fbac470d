"""The layers of ``flambeau.nn``, one family per file."""
