"""Audio: a sounddevice engine pulling blocks through a chain of small stages."""
