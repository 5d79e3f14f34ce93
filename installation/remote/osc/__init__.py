"""OSC: the address table (routes), the UDP server with roles and validation."""
