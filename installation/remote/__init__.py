"""Everything that reaches the kiosk over the network: OSC today."""
