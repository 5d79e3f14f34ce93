"""The live-cutting lathe: one `Lathe` interface (machine.py) with a simulated, a serial
(docs/lathe-protocol.md) and a lathe_guide backend; the cut's state machine and interlocks
(controller.py); the performer's audio to the cutter head and to disk (recorder.py,
protection.py); a finished cut becomes a disc (archive.py). It is the only package that
touches the serial port and the lathe station's audio interface."""
