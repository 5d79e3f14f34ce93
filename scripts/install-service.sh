#!/usr/bin/env bash
# Install kiosk.service as a systemd *user* service for whoever runs this, and start it at boot.
# Run it as the gallery's desktop user, inside their session; nothing is left half-installed.
set -eu
project=$(cd "$(dirname "$0")/.." && pwd)
user=$(id -un)
unit_dir="${XDG_CONFIG_HOME:-$HOME/.config}/systemd/user"

# A user service needs that user's own systemd: reachable only from inside their session.
if ! systemctl --user show-environment >/dev/null 2>&1; then
    cat >&2 <<MSG
make install-service: there is no systemd user session here for $user
(systemctl --user cannot reach it: XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-unset}).
The kiosk runs as the user who is logged in to the gallery screen's desktop. Install it as that user,
inside their session: in a terminal on the kiosk's own desktop, or over SSH after they logged in once:
    sudo loginctl enable-linger <desktop user>   # once: their services start at boot, before a login
    ssh <desktop user>@<this box>                # then, as them, in the project folder:
    make install-service
$( [ "$user" = root ] && echo "(As root it would install a service for root, who has no desktop: do not.)" )
Nothing was installed.
MSG
    exit 2
fi

# The data folder from config.yaml: the one place the hardened service may write.
data=$("$project/.venv/bin/python" -c "from installation.config import load_config; print(load_config('$project/config.yaml').data_path)")
mkdir -p "$unit_dir" "$data"
tmp=$(mktemp "$unit_dir/.kiosk.service.XXXXXX")
trap 'rm -f "$tmp"' EXIT
sed -e "s|@PROJECT@|$project|g" -e "s|@DATA@|$data|g" "$project/kiosk.service" > "$tmp"
if command -v systemd-analyze >/dev/null && ! systemd-analyze --user verify "$tmp"; then
    echo "make install-service: systemd-analyze found the problems above in kiosk.service; nothing was installed." >&2
    exit 2
fi
mv "$tmp" "$unit_dir/kiosk.service"
if ! { systemctl --user daemon-reload && systemctl --user enable kiosk.service; }; then
    rm -f "$unit_dir/kiosk.service"
    systemctl --user daemon-reload || true
    echo "make install-service: systemd would not enable kiosk.service (above); it was removed again." >&2
    exit 2
fi
# Start at boot even before anyone logs in (needs sudo once; harmless if already on).
loginctl enable-linger "$user" 2>/dev/null || sudo loginctl enable-linger "$user" || \
    echo "(linger is off: the kiosk starts when $user logs in; sudo loginctl enable-linger $user to start at boot)"
echo "Installed $unit_dir/kiosk.service"
echo "Start now:   systemctl --user start kiosk"
echo "Data:        $data (play counts, cuts, kiosk.log)"
echo "Logs:        journalctl --user -u kiosk -f"
echo "After a reboot: systemctl --user status kiosk   (active (running), Status: \"attract · up ...\")"
