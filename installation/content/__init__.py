"""Disc content as data: the library of disc folders and their disc.yaml, the stories (no pygame)."""
