"""The screens of the kiosk, one module each (attract, carousel, player, live_cut, closed), each a Scene with enter,
handle_event, update, draw and exit. installation/core/registry.py names them."""
