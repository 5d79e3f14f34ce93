#!/usr/bin/env bash
# Install kiosk.service as a systemd *user* service for whoever runs this, and start it at boot.
set -eu
project=$(cd "$(dirname "$0")/.." && pwd)
unit_dir="${XDG_CONFIG_HOME:-$HOME/.config}/systemd/user"
mkdir -p "$unit_dir"
sed "s|@PROJECT@|$project|g" "$project/kiosk.service" > "$unit_dir/kiosk.service"
systemctl --user daemon-reload
systemctl --user enable kiosk.service
# Start at boot even before anyone logs in (needs sudo once; harmless if already on).
loginctl enable-linger "$USER" 2>/dev/null || sudo loginctl enable-linger "$USER" || true
echo "Installed $unit_dir/kiosk.service"
echo "Start now:   systemctl --user start kiosk"
echo "Logs:        journalctl --user -u kiosk -f"
