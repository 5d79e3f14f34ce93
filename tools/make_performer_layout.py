"""Write performer/bone-music.json, an Open Stage Control session for the performer's laptop.

    python tools/make_performer_layout.py [--boxes hall-1,hall-2]

Buttons, a scene and a disc menu, volume, the main sound parameters, and status read-outs
fed by the kiosk's feedback (osc.feedback.hosts). Disc ids come from assets/discs. The Gallery
tab sends the same to another box or to all (`/gallery/<box|all>/...`, relayed over the
gallery's broker by the kiosk the laptop talks to: docs/gallery.md); its box menu holds "all"
and the `--boxes` named.
"""
import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from installation.content.library import load_library  # noqa: E402
from installation.sound.settings import DspConfig, param_limits  # noqa: E402

SOUND = [("cutter", "lowpass_hz"), ("cutter", "highpass_hz"), ("cutter", "drive_db"), ("wow", "eccentricity_mm"),
         ("surface", "hiss_db"), ("surface", "crackle_per_second"), ("read_head", "echo_db")]


def widget(kind, wid, label, address, top, left, width=160, height=60, **extra):
    return {"type": kind, "id": wid, "label": label, "address": address, "preArgs": "", "target": "",
            "top": top, "left": left, "width": width, "height": height, **extra}


def kiosk_tab(disc_ids):
    w = [widget("button", "play", "▶ Play", "/kiosk/play", 10, 10, mode="tap", on=1, off=0),
         widget("button", "stop", "■ Stop", "/kiosk/stop", 10, 180, mode="tap", on=1, off=0),
         widget("button", "status", "Status", "/kiosk/status", 10, 350, mode="tap", on=1, off=0),
         widget("dropdown", "scene", "Scene", "/kiosk/scene", 90, 10, width=330,
                values={"attract": "attract", "player": "player"}),
         widget("dropdown", "disc", "Disc / Пластинка", "/kiosk/disc", 170, 10, width=330,
                values={d: d for d in disc_ids}),
         widget("fader", "volume", "Volume", "/kiosk/volume", 10, 520, width=80, height=300,
                range={"min": 0, "max": 1}, default=0.8)]
    for i, name in enumerate(["scene", "disc", "position", "level", "speed", "dropped", "rejected", "uptime"]):
        w.append(widget("text", f"status_{name}", name, f"/status/{name}", 250 + 40 * (i // 2), 10 + 170 * (i % 2),
                        height=35, interaction=False))
    return {"type": "tab", "id": "kiosk", "label": "Kiosk", "widgets": w, "tabs": []}


def gallery_tab(disc_ids, boxes):
    """Open Stage Control puts the box menu's value into the addresses (`@{gallery_box}`)."""
    to = "/gallery/@{gallery_box}"
    w = [widget("dropdown", "gallery_box", "Box / Бокс", "", 10, 10, width=330,
                values={b: b for b in ["all", *boxes]}, default="all", bypass=True),
         widget("button", "gallery_stop", "■ Stop", f"{to}/stop", 90, 10, mode="tap", on=1, off=0),
         widget("button", "gallery_selftest", "Self-test", f"{to}/selftest", 90, 180, mode="tap", on=1, off=0),
         widget("dropdown", "gallery_disc", "Disc / Пластинка", f"{to}/disc", 170, 10, width=330,
                values={d: d for d in disc_ids}),
         widget("fader", "gallery_volume", "Volume", f"{to}/volume", 10, 520, width=80, height=300,
                range={"min": 0, "max": 1}, default=0.8),
         widget("text", "gallery_refusal", "refusal", "/gallery/refusal", 250, 10, width=500, height=35,
                interaction=False)]
    return {"type": "tab", "id": "gallery", "label": "Gallery", "widgets": w, "tabs": []}


def sound_tab():
    dsp = DspConfig()
    w = []
    for i, (stage, name) in enumerate(SOUND):
        lo, hi = param_limits(type(getattr(dsp, stage)), name)
        w.append(widget("fader", f"{stage}_{name}", f"{stage} {name}", f"/dsp/{stage}/{name}", 10, 10 + 100 * i,
                        width=90, height=320, range={"min": lo, "max": hi},
                        default=getattr(getattr(dsp, stage), name)))
    return {"type": "tab", "id": "sound", "label": "Sound", "widgets": w, "tabs": []}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--boxes", default="", help="the gallery's box ids, comma-separated")
    boxes = [b for b in parser.parse_args().boxes.split(",") if b]
    discs = [d.id for d in load_library(ROOT / "assets").discs]
    session = {"createdWith": "Open Stage Control", "version": "1.26.2", "type": "session",
               "content": {"type": "root", "id": "root", "widgets": [], "tabs": [kiosk_tab(discs), sound_tab(),
                                                                            gallery_tab(discs, boxes)]}}
    out = ROOT / "performer" / "bone-music.json"
    out.write_text(json.dumps(session, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(out)


if __name__ == "__main__":
    main()
