"""The colours every screen shares: the lightbox's dark, ink, dimmed ink and the accent."""

BACKGROUND = (9, 11, 16)
INK = (226, 232, 240)
DIM = (140, 154, 172)
ACCENT = (214, 170, 96)
