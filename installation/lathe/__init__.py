"""The live-cutting lathe: one `Lathe` interface (machine.py) with a simulated, a serial
(docs/lathe-protocol.md) and a lathe_guide backend; the cut's state machine and interlocks
(controller.py); the performer's audio to the cutter head and to disk (station_audio.py,
protection.py, recording.py); every cut is kept (archive.py), and a finished one becomes a disc
(show/intake.py). It is the only package that touches the serial port and the lathe station's
audio interface."""
