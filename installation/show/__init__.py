"""The parts the main loop hosts, free of pygame: the show, the programme, health, the collection, controls."""
