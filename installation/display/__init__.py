"""The screen side: opening the display and the on-screen platter motion. Only the main thread uses it."""
