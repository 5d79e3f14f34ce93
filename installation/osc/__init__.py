"""OSC input: gallery sensors, turntable encoders and the performer's laptop."""
