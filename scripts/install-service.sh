#!/usr/bin/env bash
# Install kiosk.service as a systemd *user* service for whoever runs this, and start it at boot.
set -eu
project=$(cd "$(dirname "$0")/.." && pwd)
unit_dir="${XDG_CONFIG_HOME:-$HOME/.config}/systemd/user"
mkdir -p "$unit_dir"
# The data folder from config.yaml: the one place the hardened service may write.
data=$("$project/.venv/bin/python" -c "from installation.config import load_config; print(load_config('$project/config.yaml').data_path)")
mkdir -p "$data"
sed -e "s|@PROJECT@|$project|g" -e "s|@DATA@|$data|g" "$project/kiosk.service" > "$unit_dir/kiosk.service"
if command -v systemd-analyze >/dev/null; then systemd-analyze --user verify "$unit_dir/kiosk.service" || echo "(systemd-analyze found the problems above; installing anyway)"; fi
systemctl --user daemon-reload
systemctl --user enable kiosk.service
# Start at boot even before anyone logs in (needs sudo once; harmless if already on).
loginctl enable-linger "$USER" 2>/dev/null || sudo loginctl enable-linger "$USER" || true
echo "Installed $unit_dir/kiosk.service"
echo "Start now:   systemctl --user start kiosk"
echo "Data:        $data (play counts, cuts, kiosk.log)"
echo "Logs:        journalctl --user -u kiosk -f"
echo "After a reboot: systemctl --user status kiosk   (active (running), Status: \"attract · up ...\")"
