"""Disc content: the library of disc folders, the drawn disc pictures, fonts and wrapped text."""
