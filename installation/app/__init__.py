"""The application: the commands people type (cli), and the kiosk that wires the parts and runs the loop."""
