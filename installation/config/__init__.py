"""config.yaml as one typed Config, composed from each room's own section."""
