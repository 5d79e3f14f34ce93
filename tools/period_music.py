"""Short pieces synthesized in the spirit of the 1950s dance floor (no copyrighted material).

A tiny sequencer: instruments are additive voices with envelopes; each piece is a chord
progression and a seeded melody over a style's rhythm. Deterministic for a given seed.
"""
from __future__ import annotations

import numpy as np
from scipy.signal import butter, lfilter

RATE = 22050
NOTE = {n: i for i, n in enumerate(["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"])}


def hz(midi: float) -> float:
    return 440.0 * 2 ** ((midi - 69) / 12)


def chord_notes(name: str, octave: int = 4) -> list[int]:
    """'C7', 'Am', 'G', 'Dm6', 'Edim' -> midi numbers."""
    root = name[:2] if len(name) > 1 and name[1] == "#" else name[:1]
    kind = name[len(root):]
    base = 12 * (octave + 1) + NOTE[root]
    shape = {"": [0, 4, 7], "m": [0, 3, 7], "7": [0, 4, 7, 10], "m7": [0, 3, 7, 10], "6": [0, 4, 7, 9],
             "m6": [0, 3, 7, 9], "dim": [0, 3, 6, 9], "maj7": [0, 4, 7, 11]}[kind]
    return [base + s for s in shape]


class Track:
    def __init__(self, seconds: float, seed: int):
        self.out = np.zeros(int(seconds * RATE) + RATE, np.float32)
        self.rng = np.random.default_rng(seed)

    def add(self, start: float, signal: np.ndarray, gain: float = 1.0) -> None:
        i = int(start * RATE)
        n = min(len(signal), len(self.out) - i)
        if n > 0:
            self.out[i:i + n] += gain * signal[:n]

    # -- instruments ---------------------------------------------------------------------
    def piano(self, midi: float, dur: float) -> np.ndarray:
        t = np.arange(int((dur + 0.6) * RATE)) / RATE
        f = hz(midi)
        sig = sum((0.6 ** k) * np.sin(2 * np.pi * f * (k + 1) * (1 + 0.0004 * k * k) * t) for k in range(6))
        env = np.exp(-t * (2.5 + f / 400)) * np.minimum(1, t * 400)
        env *= np.clip((dur + 0.15 - t) / 0.15, 0, 1)
        return (sig * env).astype(np.float32)

    def bass(self, midi: float, dur: float) -> np.ndarray:
        t = np.arange(int(dur * RATE)) / RATE
        f = hz(midi)
        sig = np.sin(2 * np.pi * f * t) + 0.35 * np.sin(4 * np.pi * f * t) + 0.1 * np.sin(6 * np.pi * f * t)
        env = np.exp(-t * 4) * np.minimum(1, t * 300) * np.clip((dur - t) / 0.03, 0, 1)
        return (sig * env).astype(np.float32)

    def reed(self, midi: float, dur: float, bright: float = 0.5) -> np.ndarray:
        """Bandoneon / accordion / saxophone-ish: buzzy harmonics, slow attack, vibrato."""
        t = np.arange(int(dur * RATE)) / RATE
        f = hz(midi) * (1 + 0.004 * np.sin(2 * np.pi * 5.2 * t) * np.minimum(1, t * 2))
        phase = 2 * np.pi * np.cumsum(f) / RATE
        sig = sum((bright ** k) * np.sin((k + 1) * phase) for k in range(8))
        env = np.minimum(1, t * 18) * np.clip((dur - t) / 0.06, 0, 1) * (0.85 + 0.15 * np.exp(-t * 3))
        return (sig * env).astype(np.float32)

    def brass(self, midis: list[int], dur: float) -> np.ndarray:
        out = sum(self.reed(m, dur, bright=0.75) for m in midis)
        b, a = butter(2, 2400 / (RATE / 2))
        return lfilter(b, a, out).astype(np.float32)

    def noise_hit(self, dur: float, decay: float, low: float, high: float) -> np.ndarray:
        n = self.rng.normal(0, 1, int(dur * RATE))
        b, a = butter(2, [low / (RATE / 2), min(0.99, high / (RATE / 2))], btype="band")
        t = np.arange(len(n)) / RATE
        return (lfilter(b, a, n) * np.exp(-t * decay)).astype(np.float32)

    def kick(self) -> np.ndarray:
        t = np.arange(int(0.25 * RATE)) / RATE
        return (np.sin(2 * np.pi * (55 * t + 60 * (1 - np.exp(-t * 30)) / 30)) * np.exp(-t * 14)).astype(np.float32)

    def snare(self) -> np.ndarray:
        return self.noise_hit(0.2, 22, 900, 6000) * 1.6

    def ride(self) -> np.ndarray:
        return self.noise_hit(0.3, 14, 5000, 10000) * 0.9

    # -- melody ----------------------------------------------------------------------------
    def melody(self, chords: list[str], beats_per_chord: int, beat: float, start: float, voice: str,
               octave: int = 5, density: float = 0.7, swing: float = 0.0, gain: float = 0.25) -> None:
        last = chord_notes(chords[0], octave)[0]
        for c, name in enumerate(chords):
            tones = chord_notes(name, octave)
            pool = tones + [x + 12 for x in tones[:2]] + [x + 2 for x in tones[:1]]
            slots = beats_per_chord * 2
            for s in range(slots):
                if self.rng.random() > density:
                    continue
                near = sorted(pool, key=lambda m: abs(m - last) + self.rng.uniform(0, 4))
                last = near[0] if self.rng.random() < 0.7 else near[1]
                offset = (s // 2) * beat + (s % 2) * beat * (0.5 + swing)
                when = start + c * beats_per_chord * beat + offset
                dur = beat * (0.45 if s % 2 else 0.6 + swing)
                sig = self.piano(last, dur) if voice == "piano" else self.reed(last, dur)
                self.add(when, sig, gain)

    def finish(self, seconds: float) -> np.ndarray:
        out = self.out[: int(seconds * RATE)]
        b, a = butter(1, 60 / (RATE / 2), btype="high")
        out = lfilter(b, a, out)
        fade = int(1.5 * RATE)
        out[-fade:] *= np.linspace(1, 0, fade)
        out[:200] *= np.linspace(0, 1, 200)
        return (0.7 * out / np.max(np.abs(out))).astype(np.float32)


BLUES = ["C7", "C7", "C7", "C7", "F7", "F7", "C7", "C7", "G7", "F7", "C7", "G7"]


def boogie(seed: int, seconds: float = 30.0) -> np.ndarray:
    tr = Track(seconds, seed)
    beat = 60 / 168
    pattern = [0, 4, 7, 9, 10, 9, 7, 4]  # the walking boogie left hand
    bar = 4 * beat
    for i in range(int(seconds / bar) + 1):
        name = BLUES[i % 12]
        root = chord_notes(name, 2)[0]
        for k, step in enumerate(pattern):
            when = i * bar + (k // 2) * beat + (k % 2) * beat * 0.66
            tr.add(when, tr.piano(root + step, beat * 0.5), 0.35)
        for k in (1, 3):
            for m in chord_notes(name, 4)[1:]:
                tr.add(i * bar + k * beat + beat * 0.66, tr.piano(m, beat * 0.3), 0.14)
    tr.melody(BLUES * 3, 4, beat, 0.0, "piano", octave=5, density=0.6, swing=0.16, gain=0.22)
    return tr.finish(seconds)


def swing(seed: int, seconds: float = 32.0) -> np.ndarray:
    tr = Track(seconds, seed)
    beat = 60 / 140
    changes = ["Dm7", "G7", "C6", "C6", "Am", "Dm7", "G7", "C6"]
    bar = 4 * beat
    for i in range(int(seconds / bar) + 1):
        name = changes[i % len(changes)]
        tones = chord_notes(name, 2)
        walk = [tones[0], tones[1], tones[2], tones[1] + 1]
        for k in range(4):
            tr.add(i * bar + k * beat, tr.bass(walk[k], beat * 0.95), 0.5)
            tr.add(i * bar + k * beat, tr.ride(), 0.12)
            if k % 2:
                tr.add(i * bar + k * beat + beat * 0.66, tr.ride(), 0.08)
                tr.add(i * bar + k * beat, tr.brass(chord_notes(name, 4), beat * 0.35), 0.05)
    tr.melody(changes * 4, 4, beat, 0.0, "reed", octave=4, density=0.55, swing=0.16, gain=0.12)
    return tr.finish(seconds)


def waltz(seed: int, seconds: float = 30.0) -> np.ndarray:
    tr = Track(seconds, seed)
    beat = 60 / 170
    changes = ["Am", "Am", "Dm", "Am", "E7", "E7", "Am", "Am", "Dm", "Dm", "Am", "Am", "E7", "E7", "Am", "A7"]
    bar = 3 * beat
    for i in range(int(seconds / bar) + 1):
        name = changes[i % len(changes)]
        tones = chord_notes(name, 2)
        tr.add(i * bar, tr.bass(tones[0], beat * 0.9), 0.5)
        for k in (1, 2):
            tr.add(i * bar + k * beat, sum(tr.reed(m, beat * 0.5, 0.45) for m in chord_notes(name, 4)[1:]), 0.05)
    tr.melody(changes * 2, 3, beat, 0.0, "reed", octave=5, density=0.5, gain=0.13)
    return tr.finish(seconds)


def tango(seed: int, seconds: float = 30.0) -> np.ndarray:
    tr = Track(seconds, seed)
    beat = 60 / 118
    changes = ["Dm", "Dm", "A7", "A7", "A7", "A7", "Dm", "Dm", "Gm", "Gm", "Dm", "Dm", "E7", "A7", "Dm", "A7"]
    bar = 4 * beat
    for i in range(int(seconds / bar) + 1):
        name = changes[i % len(changes)]
        tones = chord_notes(name, 2)
        for off, note in ((0, tones[0]), (1.5, tones[2]), (2, tones[0] + 12), (3, tones[2])):  # habanera
            tr.add(i * bar + off * beat, tr.bass(note, beat * 0.45), 0.55)
        for k in range(4):
            stab = sum(tr.reed(m, beat * 0.18, 0.6) for m in chord_notes(name, 4))
            tr.add(i * bar + k * beat, stab, 0.045)
    tr.melody(changes * 2, 4, beat, 0.0, "reed", octave=4, density=0.45, gain=0.16)
    return tr.finish(seconds)


def rock_n_roll(seed: int, seconds: float = 28.0) -> np.ndarray:
    tr = Track(seconds, seed)
    beat = 60 / 176
    a_blues = ["A7", "A7", "A7", "A7", "D7", "D7", "A7", "A7", "E7", "D7", "A7", "E7"]
    riff = [0, 0, 4, 4, 7, 7, 9, 7]
    bar = 4 * beat
    for i in range(int(seconds / bar) + 1):
        name = a_blues[i % 12]
        root = chord_notes(name, 2)[0]
        for k, step in enumerate(riff):
            tr.add(i * bar + k * beat / 2, tr.bass(root + step, beat * 0.45), 0.45)
        for k in range(4):
            tr.add(i * bar + k * beat, tr.kick() if k % 2 == 0 else tr.snare(), 0.35)
            for e in range(2):
                tr.add(i * bar + (k + e / 2) * beat, tr.noise_hit(0.05, 60, 6000, 10000), 0.08)
            for m in chord_notes(name, 4):
                tr.add(i * bar + (k + 0.5) * beat, tr.piano(m, beat * 0.2), 0.07)
    tr.melody(a_blues * 2, 4, beat, 0.0, "reed", octave=4, density=0.6, gain=0.13)
    return tr.finish(seconds)


def foxtrot(seed: int, seconds: float = 34.0) -> np.ndarray:
    tr = Track(seconds, seed)
    beat = 60 / 100
    changes = ["F6", "Dm7", "Gm7", "C7", "F6", "D7", "Gm7", "C7"]
    bar = 4 * beat
    for i in range(int(seconds / bar) + 1):
        name = changes[i % len(changes)]
        tones = chord_notes(name, 2)
        for k in range(4):
            tr.add(i * bar + k * beat, tr.bass(tones[0] if k % 2 == 0 else tones[2], beat * 0.8), 0.45)
            if k % 2:
                for m in chord_notes(name, 4):
                    tr.add(i * bar + k * beat, tr.piano(m, beat * 0.4), 0.08)
            tr.add(i * bar + k * beat, tr.noise_hit(0.25, 10, 2000, 8000), 0.05)  # brushes
    tr.melody(changes * 3, 4, beat, 0.0, "piano", octave=5, density=0.45, swing=0.12, gain=0.22)
    return tr.finish(seconds)


STYLES = {"boogie": boogie, "swing": swing, "waltz": waltz, "tango": tango, "rock_n_roll": rock_n_roll,
          "foxtrot": foxtrot}
