"""Everything that reaches the kiosk over the network: OSC (sensors, encoders, the performer), the web
console, and the gallery link (the other boxes, on the show's MQTT broker)."""
