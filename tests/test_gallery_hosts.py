"""The gallery across real network hosts: a box in a network namespace of its own (`ip netns`),
plugged by a veth cable into a bridge, the gallery's switch, whose other end is this machine:
the hall's box, which runs the broker too. On loopback every box reaches every other at
127.0.0.1 whatever it announces; here a box fetches a disc only from the address the other
really has, and a cable pulled out closes no socket: the broker hears silence."""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time

import pytest

from conftest import ROOT, WORKER, start_kiosk, wait_for
from test_gallery import SITE, Broker, ConsoleClient, Watcher, _box_config, _same_disc

pytestmark = pytest.mark.slow


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["ip", *args], capture_output=True, text=True, timeout=30, check=check)


class Lan:
    """A bridge in this machine's namespace (the gallery's switch, and the broker's host) and a
    network namespace for each box given a host of its own, its `eth0` a veth cable into the
    bridge. Named by the xdist
    worker, so that parallel workers have networks of their own; whatever an earlier run left
    with these names is taken down first."""

    def __init__(self) -> None:
        self.tag = f"bm{WORKER}"
        self.net = f"10.77.{100 + WORKER}"
        self.bridge, self.hosts = f"{self.tag}br", {}
        self.close()
        _ip("link", "add", self.bridge, "type", "bridge")
        _ip("addr", "add", f"{self.net}.1/24", "dev", self.bridge)
        _ip("link", "set", self.bridge, "up")

    @property
    def address(self) -> str:
        return f"{self.net}.1"

    def host(self, name: str) -> tuple:
        """A new host on the switch: (`ip netns exec` prefix, its address)."""
        n = len(self.hosts) + 2
        ns, cable = f"{self.tag}-{name}", f"{self.tag}v{n}"
        _ip("netns", "add", ns)
        _ip("link", "add", cable, "type", "veth", "peer", "name", "eth0", "netns", ns)
        _ip("link", "set", cable, "master", self.bridge, "up")
        for args in (("addr", "add", f"{self.net}.{n}/24", "dev", "eth0"), ("link", "set", "eth0", "up"),
                     ("link", "set", "lo", "up")):
            _ip("-n", ns, *args)
        self.hosts[name] = ns
        return ("ip", "netns", "exec", ns), f"{self.net}.{n}"

    def cable(self, name: str, plugged: bool) -> None:
        _ip("-n", self.hosts[name], "link", "set", "eth0", "up" if plugged else "down")

    def close(self) -> None:
        for ns in _ip("netns", "list", check=False).stdout.split():
            if ns.startswith(f"{self.tag}-"):
                _ip("netns", "del", ns, check=False)
        _ip("link", "del", self.bridge, check=False)


@pytest.fixture
def lan():
    if os.geteuid() != 0 or _ip("netns", "list", check=False).returncode != 0:
        pytest.skip("network namespaces need root and iproute2 (CI runs as root)")
    network = Lan()
    yield network
    network.close()


def test_boxes_on_hosts_of_their_own_share_a_disc_and_a_pulled_cable_is_offline_then_catches_up(lan, tmp_path):
    """box-a on the broker's own host, reaching it at 127.0.0.1 as a technician would write it;
    box-b, a kiosk process on a host of its own, reaching it over the switch. A disc uploaded on
    box-a is fetched by box-b from box-a's address on the switch (its manifest names it, not
    127.0.0.1), whole. box-b's cable pulled: the broker marks it offline by its keepalive (its log
    says so: no socket was closed); a disc uploaded meanwhile on box-a reaches box-b once the
    cable is back in."""
    broker = Broker(tmp_path / "broker", hosts=("127.0.0.1", lan.address))
    keepalive, env = 2, {**os.environ, "SDL_VIDEODRIVER": "dummy"}
    boxes, kiosks, web, address = ("box-a", "box-b"), {}, {}, {}
    logs = {box: tmp_path / f"{box}.log" for box in boxes}

    def joined(box: str, disc: str) -> bool:
        return re.search(f"new disc from the gallery, from box-a: {disc}\n",
                         logs[box].read_text(encoding="utf-8", errors="replace")) is not None

    watcher = console = None
    try:
        address["box-a"] = lan.address  # (its console listens there alone: this machine has other networks)
        cfg, _, web["box-a"] = _box_config(tmp_path, broker, "box-a", keepalive, console_host=lan.address)
        kiosks["box-a"] = start_kiosk(cfg, env, logs["box-a"])
        within, address["box-b"] = lan.host("box-b")
        cfg, _, web["box-b"] = _box_config(tmp_path, broker, "box-b", keepalive, console_host="0.0.0.0",
                                           broker_host=lan.address)
        kiosks["box-b"] = start_kiosk(cfg, env, logs["box-b"], within=within)
        watcher = Watcher(broker.port)
        wait_for(lambda: all(watcher.statuses(b) and watcher.statuses(b)[-1]["online"] for b in boxes), 30,
                 "both boxes online from their own hosts")

        def manifest(box: str) -> dict:
            return next((json.loads(p) for _, t, p, _ in reversed(watcher.messages)
                         if t == f"bonemusic/{SITE}/{box}/discs" and p), {})

        for box in boxes:  # where the other finds its files: its address on the switch
            wait_for(lambda: manifest(box).get("url", "").startswith(f"http://{address[box]}:{web[box]}/"), 30,
                     f"{box}'s manifest naming {address[box]}")

        source = ROOT / "assets" / "discs" / "свинг-под-черепом"
        uploaded = time.monotonic()
        console = ConsoleClient(web["box-a"], address["box-a"])
        assert console.upload("буги-через-сеть") == 201
        wait_for(lambda: joined("box-b", "буги-через-сеть"), 60, "the disc uploaded on box-a, in box-b's show")
        print(f"uploaded on box-a -> in box-b's collection, across hosts, after {time.monotonic() - uploaded:.2f} s")
        assert _same_disc(tmp_path / "box-b" / "content" / "discs" / "буги-через-сеть", source)
        wait_for(lambda: "буги-через-сеть" in manifest("box-b").get("discs", {}), 30, "box-b announcing it too")

        pulled = time.monotonic()
        lan.cable("box-b", plugged=False)
        wait_for(lambda: watcher.went("box-b", False, pulled) is not None, 30, "box-b offline, its cable out")
        print(f"box-b's cable pulled -> offline on the broker after {watcher.went('box-b', False, pulled) - pulled:.2f}"
              f" s (keepalive {keepalive} s)")
        assert f"Client bonemusic-{SITE}-box-b has exceeded timeout" in broker.log(), broker.log()[-2000:]
        assert console.upload("пока-без-кабеля") == 201
        time.sleep(2)
        assert not joined("box-b", "пока-без-кабеля")
        plugged = time.monotonic()
        lan.cable("box-b", plugged=True)
        wait_for(lambda: watcher.went("box-b", True, plugged) is not None, 60, "box-b online again, its cable back")
        wait_for(lambda: joined("box-b", "пока-без-кабеля"), 60, "the disc box-b missed, fetched once it is back")
        print(f"box-b's cable back -> caught up after {time.monotonic() - plugged:.2f} s")
        assert all(proc.poll() is None for proc in kiosks.values()), "both kiosks lived through it"
    except AssertionError:
        for box in boxes:
            print(f"--- {box}'s log, its last lines\n" + "\n".join(
                logs[box].read_text(encoding="utf-8", errors="replace").splitlines()[-30:]))
        raise
    finally:
        for client in (watcher, console):
            if client is not None:
                client.close()
        for proc in kiosks.values():
            proc.send_signal(signal.SIGTERM)
            proc.wait(20)
        broker.stop()
