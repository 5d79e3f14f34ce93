"""Who may cut, over real UDP: a sensor cannot arm or start, arming needs the confirmation at
the lathe, the e-stop from any role reaches the (simulated) lathe."""
from __future__ import annotations

import logging
import socket
import time

import pytest

from installation.core.commands import CommandBus
from installation.lathe.archive import Archive
from installation.lathe.settings import CutterAudioConfig, LatheConfig
from installation.lathe.simulated import SimulatedLathe
from installation.lathe.station import LatheStation, Window
from installation.lathe.station_audio import StationAudio
from installation.remote.osc.messages import message
from installation.remote.osc.server import OscServer
from installation.remote.osc.settings import OscConfig, RoleConfig

from conftest import FastClock, pulse_sink, unpacked, wait_for

PERFORMER, SENSOR = "127.0.0.1", "127.0.0.2"


@pytest.fixture
def rig(tmp_path, monkeypatch):
    with pulse_sink(1) as mic, pulse_sink(1) as cutter:
        monkeypatch.setenv("PULSE_SOURCE", f"{mic}.monitor")
        monkeypatch.setenv("PULSE_SINK", cutter)
        cfg = LatheConfig(enabled=True, confirm_seconds=5.0,
                          audio=CutterAudioConfig(input_device="pulse", output_device="pulse"))
        bus = CommandBus()
        lathe = SimulatedLathe(cfg)
        station = LatheStation(cfg, lathe, StationAudio(cfg.audio), Archive(tmp_path / "data"), bus,
                               clock=FastClock(10.0))
        osc_cfg = OscConfig(port=0, roles={
            "sensor": RoleConfig(networks=(f"{SENSOR}/32",), prefixes=("/sensor/",)),
            "performer": RoleConfig(networks=(f"{PERFORMER}/32",), prefixes=("/kiosk/", "/lathe/", "/demo/"),
                                    replies=True)})
        server = OscServer(osc_cfg, bus, lathe=station)
        server.start()
        station.start()
        try:
            yield station, lathe, server
        finally:
            station.close()
            server.close()


def send(server, source: str, address: str, *args) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind((source, 0))
        sock.sendto(message(address, *args), server.address)


def test_a_sensor_can_neither_arm_nor_start(rig, caplog):
    station, lathe, server = rig
    station.window = Window("Анна", "Буги", 60.0)  # even in a demo's window
    with caplog.at_level(logging.WARNING):
        send(server, SENSOR, "/lathe/arm")
        send(server, SENSOR, "/lathe/force")
        send(server, SENSOR, "/lathe/start")
        wait_for(lambda: server.rejected >= 3, 10, "three refusals")
    assert caplog.text.count(f"from {SENSOR}") >= 1 and "no role in osc.roles" in caplog.text
    time.sleep(0.3)
    assert station.view.state == "idle" and not station.view.armed and lathe.target_rps == 0


def test_arming_without_the_confirmation_at_the_lathe_cuts_nothing(rig):
    station, lathe, server = rig
    send(server, PERFORMER, "/lathe/arm")  # no demo on: refused, and said why
    wait_for(lambda: "no demo is on now" in station.view.refusal, 10, "the refusal")
    send(server, PERFORMER, "/lathe/force")
    wait_for(lambda: station.view.armed, 10, "armed")
    send(server, PERFORMER, "/lathe/start")  # the performer cannot skip the station
    wait_for(lambda: "start:" in station.view.refusal, 10, "start refused")
    wait_for(lambda: not station.view.armed, 10, "the confirmation to time out (5 s lathe time)")
    assert station.view.state == "idle" and "not confirmed" in station.view.reason
    assert lathe.target_rps == 0 and not lathe.cutter_down
    assert [t.new for t in station.controller.history if t.new != t.old] == []


def test_estop_from_any_role_reaches_the_lathe_mid_cut(rig):
    station, lathe, server = rig
    send(server, PERFORMER, "/lathe/force")
    wait_for(lambda: station.view.armed, 10, "armed")
    station.request("confirm", "the confirm key")
    wait_for(lambda: station.view.state == "ready", 30, "ready")
    send(server, PERFORMER, "/lathe/start", 1)
    wait_for(lambda: station.view.state == "cutting", 10, "cutting")
    assert lathe.cutter_down and lathe.feeding
    send(server, SENSOR, "/lathe/estop", 1)  # a sensor's role has no /lathe/ prefix, but may stop
    wait_for(lambda: station.view.state == "fault", 5, "the e-stop")
    assert station.view.reason == f"e-stop: OSC /lathe/estop from {SENSOR}"
    assert lathe.latched_estop and not lathe.cutter_down and not lathe.feeding and lathe.target_rps == 0
    cut = next((station.archive.cuts).iterdir())
    assert "outcome: fault" in (cut / "cut.yaml").read_text(encoding="utf-8")


def asked(server, address: str, timeout: float = 10.0) -> list:
    """Send `address` from the performer's address over real UDP; the replies it gets back."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind((PERFORMER, 0))
        sock.settimeout(timeout)
        sock.sendto(message(address), server.address)
        return unpacked(sock.recvfrom(65536)[0])


def test_a_refused_lathe_request_answers_its_sender_with_why(rig):
    """It was only kept for /lathe/status: the performer's surface heard nothing."""
    station, lathe, server = rig
    assert asked(server, "/lathe/arm") == [
        ("/lathe/refusal", ["arm: no demo is on now; /lathe/force arms outside the schedule (it still needs the "
                            "confirmation at the lathe)"])]
    assert asked(server, "/lathe/start")[0][1][0].startswith("start: ")


def test_with_the_lathe_off_a_lathe_request_is_answered_not_dropped(tmp_path):
    bus = CommandBus()
    osc_cfg = OscConfig(port=0, roles={"performer": RoleConfig(networks=(f"{PERFORMER}/32",),
                                                               prefixes=("/lathe/",), replies=True)})
    server = OscServer(osc_cfg, bus, lathe=None)
    server.start()
    try:
        assert asked(server, "/lathe/arm") == [
            ("/lathe/refusal", ["arm: no lathe on this kiosk (lathe.enabled is false in config.yaml)"])]
    finally:
        server.close()


def test_the_confirmation_window_is_a_persons_seconds_even_in_a_fast_rehearsal():
    """At --speed 10 the 60 s to confirm were 60 s of the lathe's clock: 6 s for the person at the
    lathe, and a confirm 6 s after the arm was refused."""
    from installation.lathe.controller import CutController

    cfg = LatheConfig(enabled=True, confirm_seconds=60.0)
    lathe = SimulatedLathe(cfg)
    lathe.poll(0.0)
    ctl = CutController(cfg, lathe, clock_rate=10.0)
    ctl.arm(0.0, in_window=True, force=False)
    ctl.tick(300.0)  # 30 s later, by the person's watch
    assert ctl.confirm_until is not None, "still waiting for the confirmation"
    ctl.confirm(590.0, "the key at the lathe")  # 59 s later
    assert ctl.confirm_until is None and ctl.state != "idle"
