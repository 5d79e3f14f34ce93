"""What every room shares and nothing depends on: the command bus, typed YAML, key chords, the scene names."""
