"""Unattended operation: logs, state files written atomically in the data dir, play counts."""
