"""The real cutting lathe (live-cutting demos): its driver, state machine and interlocks will live here.
It is the only package that touches the serial port; /lathe/... OSC addresses are reserved for it."""
