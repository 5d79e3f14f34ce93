"""The turntable's encoder read where the kiosk's drawing cannot delay it: in the sound process.

An encoder sends up to 2,000 angles a second. On the kiosk's own OSC port they wait for the
main process's interpreter lock, which a frame's long C calls hold for tens of milliseconds:
the platter's speed reached the sound 100 ms late at worst (bench/bench_osc.py). With
`osc.encoder_port` set, the sound process serves that port too, with the rows of the same
route table that drive the platter (routes.ENCODER_ROUTES), the same roles and checks
(server.OscServer), and its own `Turntable` whose speed goes straight to the player. The
platter's angle for the picture comes back to the kiosk in the sound's status
(SoundStatus.platter). `EncoderPort` is what the kiosk hands the sound process: a recipe,
pickled by reference, so that the sound layer needs to know nothing of OSC.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional, Tuple

from ...core.commands import CommandBus
from ...sound.turntable import Turntable
from .routes import ENCODER_ROUTES
from .server import OscServer
from .settings import OscConfig


class EncoderListener:
    """The encoder's port in the sound process: an OscServer of the encoder's rows, driving
    `engine` (the sound process's AudioEngine) through a Turntable of its own."""

    def __init__(self, cfg: OscConfig, engine: Any):
        self.turntable = Turntable(engine, cfg.encoder_timeout_seconds, cfg.encoder_release_seconds,
                                   rpm=lambda: engine.player.rpm)  # (not engine.status(): percentiles per angle)
        self.server = OscServer(cfg, CommandBus(16), engine, dict, turntable=self.turntable, routes=ENCODER_ROUTES,
                                port=cfg.encoder_port)
        self.server.start()

    def frame(self, now: float) -> Tuple[Optional[Tuple[float, float, float]], bool]:
        """The silent encoder held or let go; the platter at `now` (None while no encoder
        speaks here), and whether a hand is on it."""
        self.turntable.frame(now)
        p = self.turntable.platter
        return (None if p is None else (p.turns, p.rev_per_s, now)), self.turntable.touched

    def close(self) -> None:
        self.server.close()


@dataclass(frozen=True)
class EncoderPort:
    """What the sound process is given to serve osc.encoder_port."""

    cfg: OscConfig

    def start(self, engine: Any) -> EncoderListener:
        """Listening on the port now; OSError naming the port when it is taken."""
        try:
            return EncoderListener(self.cfg, engine)
        except OSError as exc:
            raise OSError(f"port {self.cfg.encoder_port}: {exc.strerror or exc}") from None
