"""The shipped discs' music: scores written here (no copyrighted material) in the dance styles
of the 1950s, rendered with real instrument samples at content-generation time only:

    General MIDI (mido) -> FluidSynth with Debian's FluidR3 GM soundfont (MIT) -> audio

Each style fixes tempo, metre, chord progressions, a form, its band (GM programs) and the
patterns of its rhythm section; the tune is composed from a seeded motif that comes back,
follows the chords and is varied phrase by phrase, so every piece has a melody that returns.
A piece lasts one 78 rpm side (about 2.5 minutes). Deterministic for a given seed.
"""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Tuple

import mido
import numpy as np
import soundfile

RATE = 22050  # what a 78 held (the lathe chain cuts above 6 kHz anyway)
TPB = 480  # MIDI ticks per beat
SOUNDFONT = Path("/usr/share/sounds/sf2/FluidR3_GM.sf2")
NOTE = {n: i for i, n in enumerate(["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"])}
SHAPES = {"": [0, 4, 7], "m": [0, 3, 7], "7": [0, 4, 7, 10], "m7": [0, 3, 7, 10], "6": [0, 4, 7, 9],
          "m6": [0, 3, 7, 9], "dim": [0, 3, 6, 9], "maj7": [0, 4, 7, 11], "9": [0, 4, 7, 10, 14]}
DRUMS = dict(kick=36, snare=38, brush=40, hat=42, pedal_hat=44, ride=51, crash=49, rim=37)

Note = Tuple[float, float, int, int]  # start (beats), length (beats), pitch, velocity


def chord(name: str) -> Tuple[int, List[int]]:
    """'C7' -> (root pitch class, intervals)."""
    root = name[:2] if len(name) > 1 and name[1] == "#" else name[:1]
    return NOTE[root], SHAPES[name[len(root):]]


def tones(name: str, low: int, high: int) -> List[int]:
    root, shape = chord(name)
    return [p for p in range(low, high + 1) if (p - root) % 12 in [s % 12 for s in shape]]


MODES = {"major": [0, 2, 4, 5, 7, 9, 11], "minor": [0, 2, 3, 5, 7, 8, 11], "blues": [0, 3, 4, 7, 9, 10]}


def scale(key: str, mode: str, low: int, high: int) -> List[int]:
    return [p for p in range(low, high + 1) if (p - NOTE[key]) % 12 in MODES[mode]]


@dataclass(frozen=True)
class Style:
    bpm: float
    meter: int  # beats in a bar
    key: str
    mode: str  # major, minor (harmonic), blues
    sections: Dict[str, List[str]]  # section -> one chord per bar
    form: str  # section letters; "S" plays A's chords with the solo voice
    band: Dict[str, int]  # lead, solo, comp, bass -> GM program
    swing: float = 0.0  # 0 straight .. 1/3 triplet swing of the off-beat eighths
    bass: str = "walk"  # walk, two, boogie, waltz, habanera
    comp: str = "four"  # four, off, waltz, stabs, shuffle, boogie
    drums: str = "brush"  # brush, ride, backbeat, none
    lead_range: Tuple[int, int] = (62, 84)
    cells: List[List[float]] = field(default_factory=lambda: [[1, 1, 1, 1], [1.5, 0.5, 1, 1], [0.5] * 4 + [2]])


STYLES: Dict[str, Style] = {
    "boogie": Style(168, 4, "C", "blues", {"A": ["C7"] * 4 + ["F7", "F7", "C7", "C7", "G7", "F7", "C7", "G7"]},
                    "AAASAAS", dict(lead=0, solo=0, comp=0, bass=32), swing=0.28, bass="boogie",
                    comp="boogie", drums="brush", lead_range=(67, 91),
                    cells=[[0.5] * 8, [0.5, 0.5, 1, 0.5, 0.5, 1], [1.5, 0.5, 1.5, 0.5]]),
    "swing": Style(150, 4, "F", "major", {"A": ["F6", "D7", "Gm7", "C7", "F6", "D7", "Gm7", "C7"],
                                        "B": ["A7", "A7", "D7", "D7", "G7", "G7", "C7", "C7"]},
                   "AABASAABA", dict(lead=66, solo=56, comp=0, bass=32), swing=0.3, bass="walk", comp="four",
                   drums="ride", lead_range=(58, 80)),
    "waltz": Style(168, 3, "G", "major", {"A": ["G", "G", "D7", "D7", "D7", "D7", "G", "G"],
                                        "B": ["C", "C", "G", "G", "A7", "A7", "D7", "D7"]},
                   "AABAABSA", dict(lead=40, solo=21, comp=21, bass=32), bass="waltz", comp="waltz",
                   drums="none", lead_range=(67, 88),
                   cells=[[2, 1], [1, 1, 1], [3], [1.5, 0.5, 1]]),
    "tango": Style(116, 4, "A", "minor", {"A": ["Am", "Am", "E7", "E7", "E7", "E7", "Am", "Am"],
                                       "B": ["Dm", "Dm", "Am", "Am", "E7", "E7", "Am", "E7"]},
                   "AABABSAB", dict(lead=40, solo=23, comp=23, bass=32), bass="habanera", comp="stabs",
                   drums="none", lead_range=(64, 86),
                   cells=[[1.5, 0.5, 1, 1], [0.75, 0.25, 1, 2], [1, 1, 0.5, 0.5, 1]]),
    "rock_n_roll": Style(172, 4, "A", "blues", {"A": ["A7"] * 4 + ["D7", "D7", "A7", "A7", "E7", "D7", "A7", "E7"]},
                         "AASAASA", dict(lead=66, solo=26, comp=0, bass=32), swing=0.3, bass="boogie",
                         comp="shuffle", drums="backbeat", lead_range=(57, 79),
                         cells=[[1, 0.5, 0.5, 1, 1], [0.5] * 8, [1.5, 0.5, 2]]),
    "foxtrot": Style(104, 4, "D#", "major",
                     {"A": ["D#maj7", "Cm7", "Fm7", "A#7", "D#maj7", "Cm7", "Fm7", "A#7"],
                      "B": ["G#maj7", "G#m6", "D#maj7", "C7", "F7", "F7", "Fm7", "A#7"]},
                     "AABASAB", dict(lead=59, solo=71, comp=0, bass=32), swing=0.12, bass="two", comp="four",
                     drums="brush", lead_range=(60, 82), cells=[[2, 1, 1], [1, 1, 2], [3, 1], [1.5, 0.5, 2]]),
}


class Composer:
    def __init__(self, style: Style, seed: int):
        self.s, self.rng = style, np.random.default_rng(seed)
        self.parts: Dict[str, List[Note]] = {k: [] for k in ("lead", "solo", "comp", "bass", "drums")}
        self.tunes: Dict[str, List[Tuple[float, float, int]]] = {}  # section -> its melody, bar-relative

    def add(self, part: str, start: float, length: float, pitch: int, velocity: int) -> None:
        self.parts[part].append((start, length, int(pitch), int(np.clip(velocity, 1, 127))))

    # -- the tune ----------------------------------------------------------------------------------
    def tune(self, chords: List[str], solo: bool) -> List[Tuple[float, float, int]]:
        """A melody over `chords`: a motif per phrase, stated, answered, varied, cadenced."""
        s, rng = self.s, self.rng
        lo, hi = s.lead_range
        if solo:
            lo, hi = lo - 3, hi + 2
        keyscale = scale(s.key, s.mode, lo, hi)
        out: List[Tuple[float, float, int]] = []
        pitch = int(np.median(keyscale))
        for phrase in range(0, len(chords), 4):
            motif = s.cells[int(rng.integers(len(s.cells)))]
            if solo:
                motif = [d / 2 for d in motif for _ in (0, 1)] if sum(motif) <= s.meter and rng.random() < 0.5 else motif
            steps = rng.choice([-2, -1, 1, 2, 3, -3], size=len(motif))
            for bar in range(phrase, min(phrase + 4, len(chords))):
                name = chords[bar]
                last = bar == phrase + 3 or bar == len(chords) - 1
                rhythm = [float(s.meter)] if last and not solo else list(motif)
                rhythm = _fit(rhythm, s.meter)
                t = 0.0
                for i, d in enumerate(rhythm):
                    strong = t == int(t) and int(t) % 2 == 0
                    pool = tones(name, lo, hi) if strong or last else keyscale
                    target = pitch + int(steps[i % len(steps)]) * (1 if bar % 2 == 0 else -1)
                    pitch = min(pool, key=lambda p: abs(p - target) + 0.01 * rng.random())
                    if last and i == len(rhythm) - 1:
                        root = chord(name)[0]
                        pitch = min((p for p in pool if (p - root) % 12 == 0), key=lambda p: abs(p - pitch),
                                    default=pitch)
                    out.append((bar * s.meter + t, d, pitch))
                    t += d
        return out

    # -- the band ----------------------------------------------------------------------------------
    def section(self, letter: str, start_bar: int) -> int:
        s = self.s
        chords = s.sections["A" if letter == "S" else letter]
        solo = letter == "S"
        key = f"{letter}{len([k for k in self.tunes if k.startswith(letter)]) if solo else ''}"
        if key not in self.tunes or solo:
            self.tunes[key] = self.tune(chords, solo)
        voice = "solo" if solo else "lead"
        base = start_bar * s.meter
        for t, d, p in self.tunes[key]:
            accent = 96 if t % s.meter == 0 else 84
            self.add(voice, base + self._swung(t), d * 0.92, p, accent + self.rng.integers(-8, 8))
        for bar, name in enumerate(chords):
            self.rhythm_section(base + bar * s.meter, name, chords[(bar + 1) % len(chords)])
        return start_bar + len(chords)

    def rhythm_section(self, at: float, name: str, nxt: str) -> None:
        s, rng = self.s, self.rng
        root = chord(name)[0]
        bass_root = 36 + (root - 36) % 12 if root < 4 else 24 + root
        ct = tones(name, bass_root, bass_root + 12)
        third = ct[1] if len(ct) > 1 else bass_root + 4
        fifth = bass_root + 7
        sixth, seventh = bass_root + 9, bass_root + 10
        if s.bass == "walk":
            target = 36 + (chord(nxt)[0] - 36) % 12 if chord(nxt)[0] < 4 else 24 + chord(nxt)[0]
            line = [bass_root, third, fifth, target + (1 if rng.random() < 0.5 else -1)]
            for b, p in enumerate(line):
                self.add("bass", at + b, 0.9, p, 92 - 6 * (b % 2))
        elif s.bass == "two":
            self.add("bass", at, 1.8, bass_root, 90)
            self.add("bass", at + 2, 1.8, fifth, 80)
        elif s.bass == "boogie":
            for i, p in enumerate([bass_root, third, fifth, sixth, seventh, sixth, fifth, third]):
                self.add("bass", at + self._swung(i * 0.5), 0.45, p, 96 - 10 * (i % 2))
        elif s.bass == "waltz":
            self.add("bass", at, 0.9, bass_root if rng.random() < 0.7 else fifth - 12, 92)
        elif s.bass == "habanera":
            for t, d, p in ((0, 0.75, bass_root), (0.75, 0.25, fifth - 12), (1, 1, bass_root), (2, 1, fifth - 12),
                            (3, 1, bass_root)):
                self.add("bass", at + t, d * 0.85, p, 100 if t in (0, 2) else 84)
        voicing = tones(name, 53, 72)[:4]
        if s.comp in ("four", "off"):
            for b in range(s.meter):
                if s.comp == "four" or b % 2:
                    for p in voicing:
                        self.add("comp", at + b, 0.45, p, 58 + 8 * (b % 2))
        elif s.comp == "waltz":
            for b in (1, 2):
                for p in voicing:
                    self.add("comp", at + b, 0.6, p, 62)
        elif s.comp == "stabs":
            for t in (0, 1, 2, 3):
                for p in voicing:
                    self.add("comp", at + t, 0.3, p, 84 if t in (0, 2) else 64)
        elif s.comp == "shuffle":
            for b in range(4):
                for off, vel in ((0.0, 66), (0.5, 54)):
                    for p in voicing[:3]:
                        self.add("comp", at + b + self._swung(off), 0.3, p, vel)
        elif s.comp == "boogie":  # the right hand's riffs against the rolling left hand (the bass part)
            riff = tones(name, 64, 79)[:3]
            for t in (0.0, 1.5, 2.5):
                for p in riff:
                    self.add("comp", at + self._swung(t), 0.4, p, 70 + int(rng.integers(-6, 6)))
            for i, p in enumerate([bass_root + 12, third + 12, fifth + 12, sixth + 12, seventh + 12, sixth + 12,
                                   fifth + 12, third + 12]):
                self.add("comp", at + self._swung(i * 0.5), 0.4, p, 76 - 8 * (i % 2))
        if s.drums == "brush":
            for b in range(s.meter):
                self.add("drums", at + b, 0.4, DRUMS["brush"], 42 + 10 * (b % 2))
            self.add("drums", at, 0.4, DRUMS["kick"], 50)
        elif s.drums == "ride":
            for b in range(4):
                self.add("drums", at + b, 0.3, DRUMS["ride"], 70)
                if b % 2:
                    self.add("drums", at + b + self._swung(0.5), 0.2, DRUMS["ride"], 56)
                    self.add("drums", at + b, 0.2, DRUMS["pedal_hat"], 60)
            self.add("drums", at, 0.3, DRUMS["kick"], 58)
        elif s.drums == "backbeat":
            for b in range(4):
                self.add("drums", at + b, 0.2, DRUMS["hat"], 62)
                self.add("drums", at + b + self._swung(0.5), 0.2, DRUMS["hat"], 48)
                self.add("drums", at + b, 0.3, DRUMS["snare"] if b % 2 else DRUMS["kick"], 96 if b % 2 else 84)

    def _swung(self, beats: float) -> float:
        whole, frac = divmod(beats, 1.0)
        return whole + (frac + self.s.swing * 0.5 if abs(frac - 0.5) < 1e-6 else frac)

    def compose(self, seconds: float = 150.0) -> mido.MidiFile:
        s = self.s
        bars_wanted = seconds * s.bpm / 60.0 / s.meter
        bar = 0
        form = s.form
        while bar < bars_wanted - 8:
            for letter in form:
                if bar >= bars_wanted - 4:
                    break
                bar = self.section(letter, bar)
        # the ending: the tonic held, the band together
        end = bar * s.meter
        home = f"{s.key}{'m' if s.mode == 'minor' else ''}"
        for p in tones(home, 55, 74)[:4]:
            self.add("comp", end, s.meter * 1.5, p, 80)
        self.add("lead", end, s.meter * 1.5, tones(home, *s.lead_range)[2], 96)
        self.add("bass", end, s.meter * 1.5, 24 + NOTE[s.key], 96)
        if s.drums != "none":
            self.add("drums", end, 1, DRUMS["crash"], 90)
        return self._midi()

    def _midi(self) -> mido.MidiFile:
        s = self.s
        mid = mido.MidiFile(ticks_per_beat=TPB)
        tempo = mido.MidiTrack([mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(s.bpm), time=0),
                                mido.MetaMessage("time_signature", numerator=s.meter, denominator=4, time=0)])
        mid.tracks.append(tempo)
        channels = {"lead": 0, "solo": 1, "comp": 2, "bass": 3, "drums": 9}
        pans = {"lead": 70, "solo": 58, "comp": 44, "bass": 64, "drums": 80}
        for part, notes in self.parts.items():
            ch = channels[part]
            events = [(0, mido.Message("control_change", channel=ch, control=10, value=pans[part])),
                      (0, mido.Message("control_change", channel=ch, control=91, value=40))]
            if part != "drums":
                events.append((0, mido.Message("program_change", channel=ch, program=s.band[part])))
            for start, length, pitch, vel in notes:
                on = int(round(start * TPB)) + int(self.rng.integers(-6, 7))
                off = on + max(10, int(length * TPB))
                events.append((max(0, on), mido.Message("note_on", channel=ch, note=pitch, velocity=vel)))
                events.append((off, mido.Message("note_off", channel=ch, note=pitch, velocity=0)))
            events.sort(key=lambda e: (e[0], e[1].type == "note_on"))
            track, now = mido.MidiTrack(), 0
            for t, msg in events:
                track.append(msg.copy(time=t - now))
                now = t
            mid.tracks.append(track)
        return mid


def _fit(rhythm: List[float], meter: int) -> List[float]:
    """The cell cut or padded to fill exactly one bar."""
    out, t = [], 0.0
    for d in rhythm:
        if t + d > meter:
            break
        out.append(d)
        t += d
    if t < meter:
        out.append(meter - t)
    return out


def score(style: str, seed: int, seconds: float = 150.0) -> mido.MidiFile:
    return Composer(STYLES[style], seed).compose(seconds)


def render(style: str, seed: int, seconds: float = 150.0) -> np.ndarray:
    """The piece as mono float32 audio at RATE, rendered by FluidSynth."""
    if not shutil.which("fluidsynth") or not SOUNDFONT.exists():
        raise SystemExit("content generation needs FluidSynth and its GM soundfont: "
                         "sudo apt-get install fluidsynth fluid-soundfont-gm (the kiosk itself does not)")
    with tempfile.TemporaryDirectory() as tmp:
        mid, wav = Path(tmp) / "piece.mid", Path(tmp) / "piece.wav"
        score(style, seed, seconds).save(str(mid))
        subprocess.run(["fluidsynth", "-ni", "-q", "-g", "0.5", "-r", str(RATE), "-O", "float", "-T", "wav",
                        "-F", str(wav), str(SOUNDFONT), str(mid)], check=True, capture_output=True)
        audio, _ = soundfile.read(str(wav), dtype="float32")
    mono = audio.mean(axis=1) if audio.ndim > 1 else audio
    quiet = np.flatnonzero(np.abs(mono) > 1e-4)
    mono = mono[: quiet[-1] + RATE // 2] if len(quiet) else mono
    return (mono / max(1e-6, np.abs(mono).max()) * 0.89).astype(np.float32)

