"""The sound: the engine that owns the output device, and the disc emulation (platter, wow, read head, cutter, film, groove) as a list of stages."""
