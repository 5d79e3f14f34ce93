"""The screen, and the only place pygame is used: the display, the canvas, layouts, the pointer, disc
pictures and text, the technician's overlay, and the base every scene in scenes/ builds on."""
