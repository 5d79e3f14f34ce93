"""The web console for the technician and the curator (docs/console.md)."""
