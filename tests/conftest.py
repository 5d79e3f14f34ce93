from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Optional

import numpy as np
import pytest

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def run_cli(*args: str, env: dict | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """The real command line, in a child process, as a technician would type it."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "installation", *args], cwd=ROOT, env=full_env,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    """A writable copy of the shipped content (discs and fonts) to break things in."""
    dst = tmp_path / "content"
    shutil.copytree(ROOT / "assets", dst)
    return dst


# The tests play the performer from this machine, as a technician would allow in config.yaml (as
# shipped, nobody steers the show: the performer's role has no addresses).
LOCAL_ROLES = """  roles:
    sensor: {networks: [127.0.0.1/32], prefixes: [/sensor/presence, /sensor/proximity]}
    encoder: {networks: [127.0.0.1/32], prefixes: [/turntable/]}
    performer: {networks: [127.0.0.1/32], prefixes: [/kiosk/, /dsp/, /lathe/, /demo/, /gallery/], patterns: true,
                replies: true}
"""


def write_config(path: Path, content_dir: Path, data_dir: Path, extra: str = "") -> Path:
    """A config.yaml for a test's kiosk; the performer's role given to this machine unless
    `extra` names the roles itself; no web console unless `extra` has one (kiosks side by side
    would all want port 8080)."""
    if "console:" not in extra:
        extra += "console:\n  enabled: false\n"
    if "roles:" not in extra:
        extra = (extra.replace("osc:\n", "osc:\n" + LOCAL_ROLES, 1) if "osc:\n" in extra
                 else extra + "osc:\n" + LOCAL_ROLES)
    path.write_text(f"content:\n  directory: {content_dir}\ndata_dir: {data_dir}\n{extra}", encoding="utf-8")
    return path


def local_performer(cfg):
    """An OscConfig whose performer is this machine (the tests' senders), as write_config's."""
    import dataclasses

    from installation.remote.osc.settings import RoleConfig

    performer = RoleConfig(networks=("127.0.0.1/32",), prefixes=("/kiosk/", "/dsp/", "/lathe/", "/demo/", "/gallery/"),
                           patterns=True, replies=True)
    return dataclasses.replace(cfg, roles={**cfg.roles, "performer": performer})


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def free_tcp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


CHROMIUM = "/usr/bin/chromium"  # Debian's: Playwright's own download fails on these machines


@contextmanager
def browser_page(tmp_path: Path, width: int = 1280, height: int = 800):
    """A page of Debian's chromium, headless, driven by Playwright, with a fresh profile."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"), executable_path=CHROMIUM, headless=True,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run"],
            viewport={"width": width, "height": height})
        try:
            yield context.pages[0] if context.pages else context.new_page()
        finally:
            context.close()


def wait_for(predicate, timeout: float, what: str):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def start_kiosk(cfg: Path, env: dict, log: Path, *more: str, within: tuple = ()) -> subprocess.Popen:
    """`python -m installation run` as systemd would start it (`more`: a rehearsal's arguments;
    `within`: a command it runs under, such as `ip netns exec HOST`); returns once attract is up."""
    with open(log, "w") as err:
        proc = subprocess.Popen([*within, sys.executable, "-m", "installation", "--config", str(cfg), "run", *more],
                                cwd=ROOT, env=env, stdout=err, stderr=err)
    try:
        wait_for(lambda: "scene: attract" in log.read_text(), 60, "the attract scene")
    except AssertionError:
        proc.kill()
        raise
    return proc


def unpacked(datagram: bytes) -> list:
    """(address, [arguments]) of every message in a datagram: one message, or a bundle of them."""
    from pythonosc.osc_packet import OscPacket

    return [(t.message.address, list(t.message.params)) for t in OscPacket(datagram).messages]


def kiosk_status(port: int) -> dict:
    """/kiosk/status asked of a running kiosk over real UDP: {"scene": ..., "position": ...}."""
    from installation.remote.osc.messages import message

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(5)
        sock.sendto(message("/kiosk/status"), ("127.0.0.1", port))
        return {address.rsplit("/", 1)[-1]: params[0] for address, params in unpacked(sock.recvfrom(65536)[0])}


class WedgedStream:
    """A stream the driver still calls active while its callbacks have stopped (a wedged driver:
    no way to make a real one do that on demand)."""
    active = True
    closed = False
    samplerate = 48000.0

    def abort(self):
        pass

    start = stop = abort

    def close(self):
        self.closed = True


WORKER = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0")[2:] or 0)  # pytest-xdist's worker, 0 without it


@contextmanager
def pulse_sink(channels: int = 2):
    """A PulseAudio null sink at 48 kHz float on this test process's own server (started once,
    so parallel workers never share one): paced in real time; its `<name>.monitor` is a capture
    source. Yields the sink's name."""
    if not (shutil.which("pulseaudio") and shutil.which("pactl") and shutil.which("parec")):
        pytest.skip("needs pulseaudio (scripts/system-deps.sh test installs it)")
    _workers_pulse()
    name = f"kiosk_test_{uuid.uuid4().hex[:8]}"
    module = subprocess.run(["pactl", "load-module", "module-null-sink", f"sink_name={name}", "rate=48000",
                             "format=float32le", f"channels={channels}"],
                            capture_output=True, text=True, check=True).stdout.strip()
    try:
        yield name
    finally:
        subprocess.run(["pactl", "unload-module", module], capture_output=True)


_PULSE: dict = {}  # this process's own PulseAudio server, once started


def _workers_pulse() -> None:
    """Start this test process's PulseAudio (no sinks of its own) and point PULSE_SERVER at it:
    pactl, parec, paplay and every process the tests start find it there."""
    if "server" not in _PULSE:
        pulse = PrivatePulse(sinks=False)
        pulse.start()
        _PULSE["server"] = pulse
        os.environ["PULSE_SERVER"] = pulse.server
        import atexit

        atexit.register(lambda: (pulse.kill(), shutil.rmtree(pulse.dir, ignore_errors=True)))
    os.environ["PULSE_SERVER"] = _PULSE["server"].server


class PrivatePulse:
    """A PulseAudio server of a test's own (one null sink, `tv`), which the test can kill and
    start again as a TV switched off and on, without touching the machine's sound server.
    Processes reach it through PULSE_SERVER (ALSA's `pulse` device reads it when it opens)."""

    SINK = ("sink_name=tv", "rate=48000", "format=float32le", "channels=2")  # the one sink, at start and loaded again

    def __init__(self, sinks: bool = True):
        if not (shutil.which("pulseaudio") and shutil.which("parec")):
            pytest.skip("needs pulseaudio (scripts/system-deps.sh test installs it)")
        self.dir = Path(tempfile.mkdtemp(prefix="pa-"))  # short: a unix socket path has 108 bytes
        self.server = f"unix:{self.dir}/native"
        self.sinks = sinks
        self.proc: Optional[subprocess.Popen] = None

    def start(self) -> None:
        env = {**os.environ, "PULSE_RUNTIME_PATH": str(self.dir), "PULSE_STATE_PATH": str(self.dir),
               "HOME": str(self.dir)}
        self.proc = subprocess.Popen(
            ["pulseaudio", "-n", "--daemonize=no", "--exit-idle-time=-1", "--use-pid-file=no", "--disable-shm=yes",
             "-L", f"module-native-protocol-unix socket={self.dir}/native auth-anonymous=1",
             *(["-L", " ".join(("module-null-sink",) + self.SINK)] if self.sinks else [])],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(lambda: subprocess.run(["pactl", "-s", self.server, "info"], capture_output=True).returncode == 0,
                 20, "the private pulseaudio")

    def pactl(self, *args: str) -> str:
        return subprocess.run(["pactl", "-s", self.server, *args], capture_output=True, text=True, check=True).stdout

    def unload_sink(self) -> None:
        """The sink goes, the server stays: HDMI audio gone when the TV is switched off."""
        module = next(line.split()[0] for line in self.pactl("list", "short", "modules").splitlines()
                      if "module-null-sink" in line)
        self.pactl("unload-module", module)

    def load_sink(self) -> None:
        self.pactl("load-module", "module-null-sink", *self.SINK)

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(10)
            self.proc = None

    def record(self, seconds: float) -> np.ndarray:
        """What the sink plays for `seconds`, mono float."""
        rec = subprocess.run(["timeout", str(seconds), "parec", "-s", self.server, "-d", "tv.monitor",
                              "--format=float32le", "--rate=48000", "--channels=1", "--raw", "--latency-msec=50"],
                             capture_output=True)
        return np.frombuffer(rec.stdout[: len(rec.stdout) // 4 * 4], dtype="<f4")


@pytest.fixture
def private_pulse(monkeypatch):
    pulse = PrivatePulse()
    pulse.start()
    monkeypatch.setenv("PULSE_SERVER", pulse.server)
    monkeypatch.delenv("PULSE_SINK", raising=False)
    yield pulse
    pulse.kill()
    shutil.rmtree(pulse.dir, ignore_errors=True)


needs_x = pytest.mark.skipif(not (shutil.which("Xvfb") and shutil.which("xdotool") and shutil.which("import")),
                                reason="needs xvfb, xdotool, imagemagick (scripts/system-deps.sh test installs them)")


def on_display(display: str, **more: str) -> dict:
    """The environment of a kiosk started on X `display`: SDL left to find it (no dummy drivers)."""
    env = {k: v for k, v in os.environ.items() if k not in ("SDL_VIDEODRIVER", "SDL_AUDIODRIVER")}
    return {**env, "DISPLAY": display, **more}


def free_display(numbers: range) -> str:
    """An X display name no server holds (neither its lock file nor its socket is there), from
    `numbers` moved up by 200 for each parallel worker, so two workers never pick the same."""
    shifted = range(numbers.start + 200 * WORKER, numbers.stop + 200 * WORKER)
    number = next(n for n in shifted if not Path(f"/tmp/.X{n}-lock").exists()
                  and not Path(f"/tmp/.X11-unix/X{n}").exists())
    return f":{number}"


@pytest.fixture
def xvfb():
    display = free_display(range(91, 120))
    number = display[1:]
    proc = subprocess.Popen(["Xvfb", display, "-screen", "0", "1024x640x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for(lambda: Path(f"/tmp/.X11-unix/X{number}").exists(), 10, "Xvfb")
    yield display
    proc.terminate()
    proc.wait(5)


def screenshot(display: str, path: Path) -> np.ndarray:
    """The whole X screen as a (width, height) array of grey levels, also saved to `path`."""
    import pygame

    subprocess.run(["import", "-display", display, "-window", "root", str(path)], check=True, timeout=30)
    return pygame.surfarray.array3d(pygame.image.load(str(path))).astype(np.float32).mean(axis=2)


def screenshot_showing(display: str, path: Path, shows, what: str, timeout: float = 20) -> np.ndarray:
    """Screenshots until `shows(shot)` (a disc's picture is built beside the frames and appears
    when ready: a moment, longer on a loaded machine); the last one."""
    shots = []
    wait_for(lambda: shows(shots.append(screenshot(display, path)) or shots[-1]), timeout, what)
    return shots[-1]


def xdotool(display: str, *args: str) -> str:
    return subprocess.run(["xdotool", *args], env={**os.environ, "DISPLAY": display}, capture_output=True,
                          text=True, timeout=20).stdout


class FastClock:
    """A monotonic clock running `rate` times faster than the wall clock (a lathe's time in a
    test: the machine moves faster, the audio stays real)."""

    def __init__(self, rate: float):
        self.rate, self.t0 = rate, time.monotonic()

    def __call__(self) -> float:
        return (time.monotonic() - self.t0) * self.rate


def settled(sound, timeout: float = 30.0) -> None:
    """Until the sound's loader has decoded and cut what it was asked (its status says so)."""
    wait_for(lambda: not sound.status().loading, timeout, "the disc decoded and cut")


def drained(engine) -> list:
    """The commands waiting for the engine's player (what the next block will take), taken."""
    out = []
    while not engine.player.commands.empty():
        out.append(engine.player.commands.get_nowait())
    return out


def kiosk_in_process(cfg=None, services=None, size=(640, 400)):
    """The real Kiosk on a plain surface (no window, no sound card): the shipped config.yaml and
    discs unless given others; `services` as app/kiosk.py's Services."""
    import pygame

    from installation.app.kiosk import Kiosk, Services
    from installation.config.composed import load_config
    from installation.content.library import load_library

    pygame.display.init()
    pygame.font.init()
    cfg = cfg or load_config(ROOT / "config.yaml")
    k = Kiosk(cfg, load_library(cfg.content_dir), pygame.Surface(size), services or Services())
    k.show.switch("attract")
    return k

VISITORS = ("attract", "carousel", "player", "closed", "live_cut")  # the scenes a visitor reads


def sizes_for_the_fast_run(sizes):
    """Every supported screen size for `make test`; `make test-fast` draws the landscape 16:10 one
    only (the others are `slow`: each draws every scene, disc and language)."""
    import pytest

    return [s if s == (1280, 800) else pytest.param(s, marks=pytest.mark.slow) for s in sizes]


def visitor_frames(kiosk, scene: str, disc_id: str):
    """The frames a visitor sees in `scene` for this disc, settled (titles faded in), each
    yielded with what it shows: attract's stories, the player's pages, the live view's lathe
    states."""
    from types import SimpleNamespace

    from installation.core.states import LatheState
    from installation.lathe.station import LatheView
    from installation.lathe.trace import GrooveTrace

    kiosk.show.switch(scene, disc_id=disc_id)
    for _ in range(2):
        kiosk.show.scene.update(1.0)  # the titles faded in (the player's hint on the disc still shown)
    assert kiosk.show.scene.name == scene, f"{scene} left for {kiosk.show.scene.name}"
    if scene == "live_cut":
        for view in (LatheView(), LatheView(state=LatheState.CUTTING, rpm=78.0, radius_mm=100.0, stylus_c=41.0,
                                            level=0.3, seconds_left=120.0, side_seconds=180.0),
                     LatheView(state=LatheState.FAULT, reason="stylus heater: no reading for 2 s")):
            kiosk.lathe = SimpleNamespace(view=view, trace=GrooveTrace())  # what the scene reads of a station
            yield f"lathe {view.state.value}"
        return
    yield ""
    if scene == "attract":
        for story in kiosk.collection.library.stories:
            kiosk.show.scene.story, kiosk.show.scene.shown = story, 3.0
            yield "story"
    if scene == "player":
        for _ in range(4):
            kiosk.show.scene.reading.turn()
            yield "next page"


def to_ready(station, source: str = "test") -> None:
    """Arm the lathe station, confirm at it, and wait until it is at speed and ready to cut."""
    station.request("arm", source)
    wait_for(lambda: station.view.armed, 10, "armed")
    station.request("confirm", source)
    wait_for(lambda: station.view.state == "ready", 30, "ready")
