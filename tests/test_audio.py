"""The audio engine, through a real PortAudio device (ALSA `file` plugin) and the null sink."""
from __future__ import annotations

import logging
import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile

from installation.sound.device import NullSink
from installation.sound.engine import AudioEngine
from installation.sound.loader import decode
from installation.sound.port import DeviceChanged, Ended, PlayFile, SetVolume, Stop
from installation.sound.readhead import Track
from installation.sound.settings import AudioConfig, DspConfig

from conftest import ROOT, WedgedStream, settled, wait_for

RATE = 48000


def tone(freq: float, seconds: float, rate: int, amp: float = 0.5) -> np.ndarray:
    return (amp * np.sin(2 * np.pi * freq * np.arange(int(seconds * rate)) / rate)).astype(np.float32)


def peak_hz(x: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    return float(np.fft.rfftfreq(len(x), 1 / rate)[np.argmax(spectrum)])


def render(engine: AudioEngine, seconds: float, block: int = 256) -> np.ndarray:
    out = np.zeros((block, engine.cfg.channels), np.float32)
    chunks = []
    for _ in range(int(seconds * engine.sample_rate / block)):
        engine.render(out)
        chunks.append(out[:, 0].copy())
    return np.concatenate(chunks)


def test_volume_fade_in_and_fade_out_on_stop():
    engine = AudioEngine(AudioConfig(master_volume=0.5, fade_seconds=0.1))
    engine.play(Track.from_samples("a", tone(1000, 2.0, RATE)))
    head = render(engine, 0.5)
    onset = np.argmax(np.abs(head) > 1e-6)
    assert onset < 256
    env = np.abs(head[onset:onset + 9600]).reshape(-1, 48).max(axis=1)  # 1 ms envelope
    # linear fade-in over 0.1 s to 0.5 * 0.5
    assert env[10] == pytest.approx(0.25 * 0.1, rel=0.15)
    assert env[50] == pytest.approx(0.25 * 0.5, rel=0.08)
    assert env[150] == pytest.approx(0.25, rel=0.02)
    engine.apply(Stop())
    tail = render(engine, 0.3)
    assert np.abs(tail[:480]).max() > 0.2  # still fading
    assert np.abs(tail[int(0.12 * RATE):]).max() == 0.0  # silent after the fade
    assert engine.status().playing_id is None


def test_volume_change_glides_without_steps():
    engine = AudioEngine(AudioConfig(master_volume=1.0, fade_seconds=0.0))
    engine.play(Track.from_samples("dc", np.full(RATE, 0.5, np.float32)))
    render(engine, 0.1)
    engine.apply(SetVolume(0.2))
    out = render(engine, 0.2)
    assert out[-1] == pytest.approx(0.1, rel=1e-3)
    # a ramp, not a jump: the gain moves at most 1.0 per 50 ms glide
    assert np.abs(np.diff(out)).max() < 0.5 / (0.05 * RATE) * 1.01


def test_disc_change_fades_out_then_in():
    engine = AudioEngine(AudioConfig(master_volume=1.0, fade_seconds=0.05))
    engine.play(Track.from_samples("one", np.full(RATE * 2, 0.5, np.float32)))
    render(engine, 0.2)
    engine.play(Track.from_samples("two", np.full(RATE * 2, -0.5, np.float32)))
    out = render(engine, 0.3)
    first_negative = np.argmax(out < 0)
    assert abs(out[first_negative - 1]) < 0.01, "the old disc had faded out before the new one starts"
    assert 0.04 * RATE < first_negative < 0.07 * RATE
    assert engine.status().playing_id == "two"


def test_track_end_is_reported_once():
    engine = AudioEngine(AudioConfig(fade_seconds=0.0))
    engine.play(Track.from_samples("short", tone(440, 0.05, RATE)))
    render(engine, 0.2)
    assert engine.events.get_nowait() == Ended("short")
    assert engine.events.empty()


def test_decode_resamples_to_the_engine_rate(tmp_path):
    path = tmp_path / "тон.flac"  # Cyrillic file name
    soundfile.write(str(path), np.stack([tone(1000, 1.0, 22050), tone(1000, 1.0, 22050)], 1), 22050)
    track = decode(path, RATE, "t")
    assert len(track.samples) == RATE
    assert peak_hz(track.samples[2000:-2000], RATE) == pytest.approx(1000, abs=2)


def test_play_file_cuts_once_caches_and_reports_bad_files(tmp_path, caplog):
    good = tmp_path / "a.wav"
    soundfile.write(str(good), tone(440, 0.5, 22050), 22050)
    bad = tmp_path / "b.ogg"
    bad.write_bytes(b"OggS" + bytes(100))
    engine = AudioEngine(AudioConfig(fade_seconds=0.0), DspConfig())
    engine.apply(PlayFile("a", good, engine.dsp_cfg))
    settled(engine)
    grooves = {key: engine.grooves.get(key[0], engine.dsp_cfg) for key in engine.grooves.keys()}
    assert len(grooves) == 1
    engine.apply(PlayFile("a", good, engine.dsp_cfg))  # a second visit plays the same cut, not a new one
    settled(engine)
    assert {key: engine.grooves.get(key[0], engine.dsp_cfg) for key in engine.grooves.keys()} == grooves
    with caplog.at_level(logging.ERROR):
        engine.apply(PlayFile("b", bad, engine.dsp_cfg))
        settled(engine)
    assert f"{bad}: cannot play audio" in caplog.text
    out = np.zeros((4800, 2), np.float32)
    engine.render(out)
    assert engine.status().playing_id == "a", "the broken file did not take the platter"
    engine.close()


def test_null_sink_when_the_device_does_not_exist():
    engine = AudioEngine(AudioConfig(device="no-such-device-anywhere", fade_seconds=0.0))
    engine.start()
    try:
        assert engine.is_null and engine.device_name == "null sink"
        engine.play(Track.from_samples("x", tone(440, 5.0, RATE)))
        time.sleep(0.5)
        # paced in real time: about 0.5 s played, not 5 s
        assert 0.3 < engine.status().position < 0.7
    finally:
        engine.close()


def test_a_null_sink_thread_starved_past_its_stop_does_not_render_beside_the_next():
    """A thread held inside `render` longer than stop() waits for it (a loaded box) ends when it
    gets out, instead of going on beside the next start()'s thread at twice the show's speed."""
    gate, renders = threading.Event(), []

    def render(out: np.ndarray) -> None:
        renders.append(threading.get_ident())
        if len(renders) == 1:
            gate.wait(10)

    sink = NullSink(render, 256, 2, lambda: RATE, lambda: None)
    sink.join_seconds = 0.05
    sink.start()
    wait_for(lambda: renders, 10, "the first render")
    first = renders[0]
    sink.stop()  # gives up waiting: the first thread is still inside render
    sink.start()
    wait_for(lambda: any(t != first for t in renders), 10, "the second thread rendering")
    gate.set()
    time.sleep(0.3)
    sink.stop()
    assert renders.count(first) == 1, "the starved thread rendered again after its stop"
    assert len(set(renders)) == 2


PROBE = textwrap.dedent("""
    import sys, time
    import numpy as np
    from installation.sound.engine import AudioEngine
    from installation.sound.loader import decode
    from installation.sound.settings import AudioConfig
    engine = AudioEngine(AudioConfig(sample_rate=48000, block_size=256, master_volume=0.5, fade_seconds=0.05))
    engine.start()
    assert not engine.is_null, "expected the ALSA file device"
    print("device:", engine.device_name, engine.sample_rate)
    engine.play(decode(sys.argv[1], engine.sample_rate, "tone"))
    deadline = time.time() + 20
    # the tone (3 s) plays out, then silence follows it through ALSA's buffer before the
    # stream stops: what is still in the buffer at stop never reaches the file
    while engine.status().playing_id is not None and time.time() < deadline:
        time.sleep(0.01)
    time.sleep(0.5)
    print("played to", engine.status().position)
    engine.close()
""")


@pytest.fixture
def alsa_file_device(tmp_path):
    """HOME with an .asoundrc whose default PCM writes every sample to a WAV file."""
    home = tmp_path / "home"
    home.mkdir()
    out = tmp_path / "played.wav"
    (home / ".asoundrc").write_text(
        f'pcm.!default {{\n type file\n slave.pcm "null"\n file "{out}"\n format "wav"\n}}\n')
    return home, out


def read_alsa_wav(path: Path) -> np.ndarray:
    """The file plugin writes our float32 frames with a WAV header; find 'data' and read on."""
    raw = path.read_bytes()
    start = raw.index(b"data") + 8
    frames = np.frombuffer(raw[start:start + (len(raw) - start) // 8 * 8], dtype="<f4")
    return frames.reshape(-1, 2)


@pytest.mark.slow  # (several seconds: `make test` has it, `make test-fast` leaves it)
def test_real_portaudio_device_plays_resampled_faded_audio(tmp_path, alsa_file_device):
    home, out = alsa_file_device
    src = tmp_path / "tone.wav"
    soundfile.write(str(src), tone(1000, 3.0, 22050, amp=0.8), 22050, subtype="FLOAT")
    env = {**os.environ, "HOME": str(home), "PYTHONPATH": str(ROOT)}
    env.pop("SDL_AUDIODRIVER", None)
    result = subprocess.run([sys.executable, "-c", PROBE, str(src)], env=env, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert "device: default 48000" in result.stdout, result.stdout + result.stderr
    played = read_alsa_wav(out)
    left, right = played[:, 0], played[:, 1]
    assert np.array_equal(left, right)
    onset = np.argmax(np.abs(left) > 1e-4)
    steady = left[onset + 9600: onset + 9600 + 48000]
    assert len(steady) == 48000, f"a second of sound reached the device: {len(left)} frames, onset {onset}"
    assert peak_hz(steady, RATE) == pytest.approx(1000, abs=2), "resampled 22.05 kHz -> 48 kHz at the right pitch"
    assert np.abs(steady).max() == pytest.approx(0.8 * 0.5, rel=0.02), "master volume 0.5"
    ramp = np.abs(left[onset:onset + 2400]).reshape(-1, 48).max(axis=1)
    assert ramp[5] < ramp[25] < ramp[45] < 0.8 * 0.5 * 0.95, "fades in over 0.05 s"


def test_a_device_whose_callbacks_stop_is_given_up_for_the_null_sink(caplog):
    from installation.sound import device

    stream = WedgedStream()
    e = AudioEngine(AudioConfig(), open_output=lambda cfg, rate, callback: (stream, "wedged"))
    e.open(now=100.0)  # the service thread's checks are made here by hand, on this clock
    try:
        e.watch_device(now=100.0 + device.STARTUP_SECONDS - 0.1)
        assert e.device.stream is stream, "a device just opened gets time to start"
        e.player.blocks += 1
        e.watch_device(now=105.0)
        e.watch_device(now=105.0 + device.LOST_SECONDS - 0.1)
        assert e.device.stream is stream, "running: a short gap is tolerated"
        with caplog.at_level(logging.ERROR):
            e.watch_device(now=105.0 + device.LOST_SECONDS + 0.1)
        assert e.is_null and stream.closed
        assert "the device wedged silent for 1.1 s" in caplog.text
        before = e.status().blocks
        time.sleep(0.3)
        assert e.status().blocks > before, "the null sink renders on"
        assert e.events.get_nowait() == DeviceChanged("null sink")
    finally:
        e.close()
