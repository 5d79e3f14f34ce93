from .app.cli import main

if __name__ == "__main__":  # the audio process is spawned: it imports this module and must not run the kiosk
    raise SystemExit(main())
