"""The gallery link: this box on the show's MQTT broker (docs/gallery.md)."""
