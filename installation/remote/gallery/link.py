"""This box on the gallery's MQTT broker (paho-mqtt, on paho's own network thread).

- Its status, retained, on `bonemusic/<site>/<box>/status` when it changes and at most once a
  second; a last will marks it offline when the broker loses it (1.5 x the keepalive).
- Commands on `bonemusic/<site>/<box>/cmd` and `bonemusic/<site>/all/cmd` — JSON such as
  `{"action": "disc", "id": "vals-kisti"}`, the web console's actions by the same names — posted
  on the command bus like any other producer's. Who may command is the broker's business (its
  ACL: docs/gallery.md); a bad message is logged and dropped.
- Every box's retained status, where the broker lets this box read them (the console's box):
  the gallery page's tiles, with when each box came or went.
Broker gone: the show plays on, paho reconnects with back-off (1 to 30 s), and the status is
published again on reconnection."""
from __future__ import annotations

import datetime as dt
import json
import logging
import socket
import threading
import time
import urllib.parse
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple

import paho.mqtt.client as mqtt

from ...content.library import Disc
from ...core.commands import CommandBus, DiscRemoved
from ..actions import ACTIONS, command_for
from ..console.settings import is_local
from .discs import Fetcher, Wanted
from .ledger import Entry, entries_of
from .settings import GalleryConfig

log = logging.getLogger(__name__)
ROOT = "bonemusic"
PUBLISH_EVERY = 1.0  # seconds: the status at most this often
LOOK_EVERY = 0.25  # seconds between looks at the status snapshot
FIELDS = ("scene", "disc", "position", "fps", "frame_p99_ms", "underruns", "selftest", "sound_device", "display",
          "memory_mb", "sound_memory_mb", "lathe", "next_demo", "next_opening", "uptime")
MAX_COMMAND_BYTES = 4096
MANIFEST_EVERY = 3.0  # seconds between looks at the collection (at once when its list is replaced)
OFFER_AGAIN_EVERY = 5.0  # seconds: what could not be fetched (a transfer cut off) is asked for again


def topic(site: str, box: str, leaf: str) -> str:
    return f"{ROOT}/{site}/{box}/{leaf}"


def _utc() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def reachable_address(own: str, peers: Iterable[str]) -> str:
    """Where the other boxes reach this one: the address its connection to the broker leaves
    from; but where that is loopback (the broker on this very box, `broker: 127.0.0.1:1883`), the
    address this box's route to another box's host leaves from (a UDP socket's connect sends
    nothing). With no other box heard of yet, `own`."""
    if not is_local(own):
        return own
    for peer in peers:
        if not peer or is_local(peer):
            continue
        try:
            with socket.socket(socket.AF_INET6 if ":" in peer else socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.connect((peer, 9))
                address = str(s.getsockname()[0])
        except OSError:
            continue
        if not is_local(address):
            return address
    return own


class GalleryLink:
    def __init__(self, cfg: GalleryConfig, bus: CommandBus, status: Callable[[], Dict[str, Any]],
                 password_file: Optional[Path] = None, collection: Callable[[], List[Disc]] = list,
                 fetcher: Optional[Fetcher] = None, files_port: Callable[[], int] = lambda: 0,
                 wall: Callable[[], dt.datetime] = _utc):
        """`collection`: every disc this box holds (shown or hidden); `fetcher` (when the discs are
        shared) carries out the gallery's word on them; `files_port`: where other boxes fetch this
        one's (the console's server); `wall`: the box's clock, for the times it states (`since`):
        nothing the gallery decides reads a clock (a box's may be hours off)."""
        self.cfg, self.bus, self.status = cfg, bus, status
        self.collection, self.fetcher, self.files_port, self.wall = collection, fetcher, files_port, wall
        self.address = ""  # this box's address as the broker sees it (the MQTT socket's own end)
        self._manifest: Tuple[str, float, Tuple[str, ...]] = ("", 0.0, ())  # (payload, when, of which discs)
        self.box, self.site = cfg.box_id, cfg.site
        self.connected = False
        self.since = ""  # when this link last connected (the broker's view of us starts there)
        self._boxes: Dict[str, Dict[str, Any]] = {}  # box -> {"online", "since", "status"} (paho's thread writes)
        self._manifests: Dict[str, Tuple[str, List[Tuple[str, Entry]]]] = {}  # box -> (its files' url, its entries)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._published = ("", 0.0)  # (payload, when)
        client = self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2,
                                           client_id=f"{ROOT}-{self.site}-{self.box}", protocol=mqtt.MQTTv311)
        password = password_file.read_text(encoding="utf-8").strip() if password_file else None
        client.username_pw_set(cfg.user, password)
        if cfg.tls:
            client.tls_set(ca_certs=cfg.ca_file or None)
        client.will_set(self.status_topic, json.dumps({"box": self.box, "online": False}), qos=1, retain=True)
        client.reconnect_delay_set(min_delay=1, max_delay=30)
        client.on_connect, client.on_disconnect, client.on_message = self._connected, self._disconnected, self._message
        self._thread = threading.Thread(target=self._publisher, name="gallery", daemon=True)

    def _now(self) -> str:
        return self.wall().astimezone(dt.timezone.utc).isoformat(timespec="seconds")

    @property
    def token(self) -> str:
        """The site's token for the discs' files ("": this box does not share its discs)."""
        return self.fetcher.token if self.fetcher is not None else ""

    @property
    def status_topic(self) -> str:
        return topic(self.site, self.box, "status")

    # -- the threads ---------------------------------------------------------------------------
    def start(self) -> None:
        host, port = self.cfg.address
        self.client.connect_async(host, port, keepalive=self.cfg.keepalive_seconds)
        self.client.loop_start()
        self._thread.start()
        log.info("gallery: box %s of %s, broker %s:%d", self.box, self.site, host, port)

    def close(self) -> None:
        """Offline said by the box itself (the will is for when it cannot say it)."""
        if self._stop.is_set():
            return
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(2)
        was_connected, self.connected = self.connected, False  # (not "the broker is gone": we leave)
        if was_connected:
            self.client.publish(self.status_topic, json.dumps({"box": self.box, "online": False, "since": self._now()}),
                                qos=1, retain=True).wait_for_publish(2)
        self.client.disconnect()
        self.client.loop_stop()
        if self.fetcher is not None:
            self.fetcher.close()

    def _publisher(self) -> None:
        offered = time.monotonic()
        while not self._stop.wait(LOOK_EVERY):
            if self.connected:
                self.publish_status()
                self.publish_manifest()
            if time.monotonic() - offered >= OFFER_AGAIN_EVERY:
                offered = time.monotonic()
                self.offer_again()

    def publish_manifest(self, now: Optional[float] = None) -> bool:
        """The discs this box holds, with their revisions and files' sizes and sha256, and the
        deleted ones, retained; when changed. This box's own changes are noted in the ledger here."""
        fetcher = self.fetcher
        if fetcher is None:
            return False
        now = time.monotonic() if now is None else now
        discs = self.collection()
        ids = tuple(d.id for d in discs)
        last, at, made_of = self._manifest
        if ids == made_of and now - at < MANIFEST_EVERY:  # (the files themselves looked at every few seconds)
            return False
        with fetcher.ledger.lock:
            present = fetcher.hashes.present(discs)
            gone = fetcher.ledger.note_local(present, lambda disc_id: fetcher.folder_of(disc_id) is not None)
            body = fetcher.ledger.manifest(present)
        for disc_id in gone:
            self.bus.post(DiscRemoved(disc_id, "its folder was removed"))
        fetcher.ready.set()
        port = self.files_port()
        peers = (urllib.parse.urlsplit(url).hostname or "" for url, _ in list(self._manifests.values()))
        host = reachable_address(self.address, peers)
        host = f"[{host}]" if ":" in host else host
        payload = json.dumps({"box": self.box, "url": f"http://{host}:{port}/gallery/discs" if port else "",
                              **body}, ensure_ascii=False, sort_keys=True)
        self._manifest = (payload, now, ids)
        if payload == last:
            return False
        self.client.publish(topic(self.site, self.box, "discs"), payload, qos=1, retain=True)
        return True

    def publish_status(self, now: Optional[float] = None) -> bool:
        """The status, retained, when it changed and the last one is a second old; True if sent."""
        now = time.monotonic() if now is None else now
        snapshot = self.status()
        payload = json.dumps({"box": self.box, "online": True, "since": self.since,
                              **{k: snapshot[k] for k in FIELDS if k in snapshot}}, ensure_ascii=False, default=str)
        last, at = self._published
        if payload == last or now - at < PUBLISH_EVERY:
            return False
        self.client.publish(self.status_topic, payload, qos=1, retain=True)
        self._published = (payload, now)
        return True

    # -- paho's callbacks (its network thread) -------------------------------------------------
    def _connected(self, client, userdata, flags, reason, properties) -> None:
        if reason.is_failure:
            log.error("gallery: the broker %s refused this box (user %r): %s", self.cfg.broker, self.cfg.user, reason)
            return
        self.connected, self.since = True, self._now()
        self._published, self._manifest = ("", 0.0), ("", 0.0, ())
        try:
            self.address = client.socket().getsockname()[0]
        except (OSError, AttributeError):
            self.address = "127.0.0.1"
        client.subscribe([(topic(self.site, self.box, "cmd"), 1), (topic(self.site, "all", "cmd"), 1),
                          (topic(self.site, "+", "status"), 1), (topic(self.site, "+", "discs"), 1)])
        log.info("gallery: connected to %s as %s", self.cfg.broker, self.cfg.user)

    def _disconnected(self, client, userdata, flags, reason, properties) -> None:
        if self.connected:
            log.warning("gallery: the broker %s is gone (%s); the show goes on, reconnecting", self.cfg.broker, reason)
        self.connected = False

    def _message(self, client, userdata, msg: mqtt.MQTTMessage) -> None:
        parts = msg.topic.split("/")
        if len(parts) == 4 and parts[3] == "status":
            self._seen(parts[2], bytes(msg.payload))
        elif len(parts) == 4 and parts[3] == "cmd":
            self._command(msg.topic, bytes(msg.payload))
        elif len(parts) == 4 and parts[3] == "discs" and parts[2] != self.box:
            self._announced(parts[2], bytes(msg.payload))

    def _announced(self, box: str, payload: bytes) -> None:
        """Another box's manifest: the discs it has that this one lacks are fetched."""
        if self.fetcher is None or not payload:
            return
        try:
            manifest = json.loads(payload.decode("utf-8"))
            url, entries = str(manifest["url"]), list(entries_of(manifest))
        except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError) as exc:
            log.warning("gallery: the manifest of %s dropped: %s", box, exc)
            return
        self._manifests[box] = (url, entries)
        self._offer(box, url, entries)

    def _offer(self, box: str, url: str, entries: List[Tuple[str, Entry]]) -> None:
        assert self.fetcher is not None
        for disc_id, entry in entries:
            if url or entry.deleted:
                self.fetcher.offer(Wanted(disc_id, entry, box, url))

    def offer_again(self) -> None:
        """Every box's manifest offered again: a transfer cut off (its box restarted, the network
        gone for a moment) is tried again, from any box that has the disc, at the fetcher's
        back-off. What is here already, or refused, is passed over at once."""
        if self.fetcher is None:
            return
        for box, (url, entries) in list(self._manifests.items()):
            self._offer(box, url, entries)

    def _seen(self, box: str, payload: bytes) -> None:
        try:
            status = json.loads(payload) if payload else {"online": False}
        except ValueError:
            return
        if not isinstance(status, dict):
            return
        with self._lock:
            before = self._boxes.get(box, {})
            online = bool(status.get("online"))
            since = before.get("since", self._now()) if before.get("online") == online else self._now()
            self._boxes[box] = {"box": box, "online": online, "since": since, "status": status}

    def _command(self, where: str, payload: bytes) -> None:
        try:
            if len(payload) > MAX_COMMAND_BYTES:
                raise ValueError(f"more than {MAX_COMMAND_BYTES} bytes")
            body = json.loads(payload.decode("utf-8"))
            if not isinstance(body, dict) or not isinstance(body.get("action"), str):
                raise ValueError('a JSON object with "action"')
            command = command_for(body["action"], body, f"over the gallery ({where})")
            if command is None:
                raise ValueError(f"no action {body['action']!r} ({', '.join(ACTIONS)})")
        except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
            log.warning("gallery: a command on %s dropped: %s", where, exc)  # (20 a minute: service/logs.py)
            return
        self.bus.post(command)
        log.info("gallery: %s on %s", body["action"], where)

    # -- for the console -----------------------------------------------------------------------
    def boxes(self) -> list:
        """Every box this one has seen, with its last status and since when it is on or offline."""
        with self._lock:
            return [dict(b) for _, b in sorted(self._boxes.items())]

    def files_url(self, box: str) -> str:
        """Where a box's discs' files are, on its console's server ("" when it shares none)."""
        return self._manifests.get(box, ("", []))[0]

    def command(self, box: str, action: str, body: Dict[str, Any]) -> None:
        """A command to one box, or to all of them (`box` "all"): the broker's ACL decides."""
        self.client.publish(topic(self.site, box, "cmd"), json.dumps({**body, "action": action},
                                                                     ensure_ascii=False), qos=1)
