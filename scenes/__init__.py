"""The screens of the kiosk, one module each (attract, player), each a Scene with enter,
handle_event, update, draw and exit. installation/screens.py registers them by name."""
