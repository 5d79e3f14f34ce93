#!/usr/bin/env bash
# Install the Debian packages the kiosk (`run`) or its tests (`test`) need, when missing.
# As root it installs them; otherwise it prints the exact apt-get command to type.
set -u
purpose=${1:-run}
need=()
have_cmd() { command -v "$1" >/dev/null 2>&1; }
have_lib() { ldconfig -p 2>/dev/null | grep -q "$1" || [ -e "/usr/lib/$(uname -m)-linux-gnu/$1" ]; }

python3 -c "import ensurepip, venv" >/dev/null 2>&1 || need+=(python3-venv)
have_lib libportaudio.so.2 || need+=(libportaudio2)          # sounddevice's PortAudio
if [ "$purpose" = test ]; then
  have_cmd Xvfb || need+=(xvfb)                                # real windows for end-to-end tests
  have_cmd xdotool || need+=(xdotool)                          # real clicks on that window
  have_cmd import || need+=(imagemagick)                       # screenshots of the whole screen
  have_cmd oscsend || need+=(liblo-tools)                      # a real OSC client besides python-osc
  have_cmd pulseaudio || need+=(pulseaudio)                    # a null sink paced in real time, recordable
  have_cmd paplay && have_cmd parec || need+=(pulseaudio-utils)  # play into it (the performer) and record it
  [ -e /usr/share/alsa/alsa.conf.d/50-pulseaudio.conf ] || need+=(libasound2-plugins)  # ALSA's `pulse` device
  have_cmd chromium || need+=(chromium)                        # the web console in a real browser (Playwright)
  have_cmd mosquitto || need+=(mosquitto)                      # the gallery's MQTT broker, started by the tests
  have_cmd ip || need+=(iproute2)                              # the gallery's boxes on hosts of their own (ip netns)
fi
[ ${#need[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ]; then
  echo "Installing system packages: ${need[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null && exit 0
  echo "apt-get failed; install by hand: apt-get install ${need[*]}" >&2
  exit 1
elif have_cmd sudo && sudo -n true 2>/dev/null; then
  sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null && exit 0
fi
echo "Missing system packages. Install them with:" >&2
echo "    sudo apt-get install ${need[*]}" >&2
case " ${need[*]} " in
  *" python3-venv "*) exit 1 ;;                                  # cannot go on without it
esac
[ "$purpose" = run ] && { echo "(going on: without PortAudio the kiosk runs silent)" >&2; exit 0; }
exit 1
