"""The sound, behind one port (port.py): the player and its chain of stages (platter, wow, read
head, film, groove; the cutter and the film cut into the groove once), the grooves and their
loader, the output device, the sound process, and the turntable."""
