"""Remote input over OSC: the address table (routes), the UDP server with roles, the encoder tracker."""
