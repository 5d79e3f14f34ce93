"""Everything that reaches the kiosk over the network: OSC (sensors, encoders, the performer) and the web console."""
