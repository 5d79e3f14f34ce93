"""The disc emulation chain, measured as signals: wow, clicks, band limits, groove loss, motion."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import soundfile
from scipy.signal import hilbert

from installation.content.library import Condition
from installation.sound.cutter import Cutter
from installation.sound.engine import AudioEngine
from installation.sound.offline import render
from installation.sound.port import Seek, SetParam, SetSpeed
from installation.sound.readhead import Track
from installation.sound.settings import AudioConfig, DspConfig, MotionSettings, for_disc

from conftest import ROOT, run_cli, settled

FS = 48000
QUIET = dict(hiss_db=-120.0, rumble_db=-120.0, crackle_per_second=0.0, scratches=0)


def settings(**parts) -> DspConfig:
    """Default settings with some stages' fields replaced: settings(wow=dict(warp_depth=0))."""
    cfg = DspConfig()
    for stage, fields in parts.items():
        cfg = dataclasses.replace(cfg, **{stage: dataclasses.replace(getattr(cfg, stage), **fields)})
    return cfg


def engine_for(dsp: DspConfig, source: np.ndarray, spin_up: bool = False) -> AudioEngine:
    engine = AudioEngine(AudioConfig(master_volume=1.0, fade_seconds=0.0), dsp)
    engine.play(Track.from_samples("t", source.astype(np.float32)), dsp, spin_up=spin_up)
    return engine


def tone(freq, seconds, amp=0.3):
    return amp * np.sin(2 * np.pi * freq * np.arange(int(seconds * FS)) / FS)


def spectrum_peak(x, rate, lo, hi):
    x = x - x.mean()
    spec = np.abs(np.fft.rfft(x * np.hanning(len(x)))) * 4 / len(x)  # amplitude of a sinusoid
    freqs = np.fft.rfftfreq(len(x), 1 / rate)
    band = (freqs >= lo) & (freqs <= hi)
    i = np.argmax(spec[band])
    return freqs[band][i], spec[band][i]


def amplitude_at(x, freq, rate):
    """Amplitude of the `freq` component over a whole number of its periods (no window loss)."""
    n = int(int(len(x) * freq / rate) * rate / freq)
    t = np.arange(n) / rate
    return 2 * abs(np.mean((x[:n] - x[:n].mean()) * np.exp(-2j * np.pi * freq * t)))


def test_wow_frequency_and_depth_follow_the_eccentric_hole():
    e = 2.0
    dsp = settings(wow=dict(eccentricity_mm=e, warp_depth=0.0, flutter_depth=0.0), surface=QUIET,
                   read_head=dict(echo_db=-120.0), groove=dict(tracing=0.0, outer_radius_mm=115.0))
    engine = engine_for(dsp, tone(1000, 12))
    out = render(engine, 10.0).astype(np.float64)[FS:]  # skip the first second
    inst = np.diff(np.unwrap(np.angle(hilbert(out)))) * FS / (2 * np.pi)
    deviation = inst[2000:-2000] / 1000 - 1
    freq, _ = spectrum_peak(deviation, FS, 0.3, 5.0)
    assert freq == pytest.approx(78 / 60, abs=0.06), "once per revolution at 78 rpm"
    depth = amplitude_at(deviation, 78 / 60, FS)
    pitch = 25.4 / 96
    mid_radius = 115.0 - 5.5 * 78 / 60 * pitch  # the groove radius halfway through the window
    assert depth == pytest.approx(e / mid_radius, rel=0.10)


def test_warp_and_flutter_lines_at_their_rates_and_depths():
    warp, flutter = 0.004, 0.002
    dsp = settings(wow=dict(eccentricity_mm=0.0, warp_depth=warp, warp_per_rev=0.5, flutter_depth=flutter,
                            flutter_per_rev=6.0), surface=QUIET, read_head=dict(echo_db=-120.0),
                   groove=dict(tracing=0.0, outer_radius_mm=115.0))
    out = render(engine_for(dsp, tone(1000, 13)), 12.0).astype(np.float64)[FS:]
    deviation = np.diff(np.unwrap(np.angle(hilbert(out))))[2000:-2000] * FS / (2 * np.pi) / 1000 - 1
    turn = 78 / 60
    assert amplitude_at(deviation, 0.5 * turn, FS) == pytest.approx(warp, rel=0.10), "warp, half a cycle a turn"
    assert amplitude_at(deviation, 6.0 * turn, FS) == pytest.approx(flutter, rel=0.10), "flutter, six a turn"
    assert abs(np.mean(deviation)) < 2e-4, "no fixed pitch offset"


def test_wow_grows_toward_the_centre():
    dsp = settings(wow=dict(eccentricity_mm=2.0, warp_depth=0.0, flutter_depth=0.0), surface=QUIET,
                   read_head=dict(echo_db=-120.0), groove=dict(tracing=0.0, outer_radius_mm=115.0))
    depths = []
    for start in (0.0, 150.0):  # the rim, and 150 s in (about 52 mm further in)
        engine = engine_for(dsp, tone(1000, 160))
        engine.apply(Seek(start))
        out = render(engine, 4.0).astype(np.float64)
        inst = np.diff(np.unwrap(np.angle(hilbert(out)))) * FS / (2 * np.pi)
        depths.append(amplitude_at(inst[2000:-2000] / 1000 - 1, 78 / 60, FS))
    assert depths[1] > 1.6 * depths[0]


def click_times(out: np.ndarray, threshold: float, gap: float = 0.003) -> np.ndarray:
    loud = np.flatnonzero(np.abs(out) > threshold)
    if not len(loud):
        return loud
    starts = loud[np.insert(np.diff(loud) > gap * FS, 0, True)]
    return starts / FS


def test_scratches_click_once_per_revolution():
    dsp = settings(surface=dict(QUIET, scratches=1, scratch_db=-10.0), read_head=dict(echo_db=-120.0))
    engine = engine_for(dsp, np.zeros(FS * 12))
    out = render(engine, 10.0)
    times = click_times(out, 0.3 * np.abs(out).max(), gap=0.05)
    intervals = np.diff(times)
    assert len(times) >= 12
    assert np.allclose(intervals, 60 / 78, atol=0.002), intervals


def test_crackle_rate_over_a_minute():
    rate = 20.0
    dsp = settings(surface=dict(QUIET, crackle_per_second=rate, crackle_db=-10.0), read_head=dict(echo_db=-120.0))
    engine = engine_for(dsp, np.zeros(FS * 61))
    out = render(engine, 60.0, block=4096)
    # crackle sizes are |2u - 1|^3 of the level; count those above 5 % of it: P = 1 - 0.05^(1/3)
    level = 10 ** (-10 / 20)
    expected = rate * 60 * (1 - 0.05 ** (1 / 3))
    count = len(click_times(out, 0.05 * level * 0.9))
    assert count == pytest.approx(expected, rel=0.12)


def cutter_response(**fields) -> tuple[np.ndarray, np.ndarray]:
    s = dataclasses.replace(DspConfig().cutter, **fields)
    stage = Cutter(FS, s)
    impulse = np.zeros(1 << 16, np.float32)
    impulse[0] = 0.01
    h = stage.process(impulse.copy()) / 0.01
    return np.fft.rfftfreq(len(h), 1 / FS), 20 * np.log10(np.abs(np.fft.rfft(h)) + 1e-12)


def minus_3db_points(freqs, db):
    ref = db[(freqs > 600) & (freqs < 1500)].max()
    inside = np.flatnonzero(db >= ref - 3)
    return freqs[inside[0]], freqs[inside[-1]]


@pytest.mark.parametrize("hp,lp", [(140.0, 6000.0), (300.0, 4000.0)])
def test_cutter_band_limits_match_config(hp, lp):
    freqs, db = cutter_response(highpass_hz=hp, lowpass_hz=lp, resonance_db=0.0, ratio=1.0, drive_db=-24.0)
    low, high = minus_3db_points(freqs, db)
    assert low == pytest.approx(hp, rel=0.10)
    assert high == pytest.approx(lp, rel=0.10)


def test_cutter_head_resonance_peaks_where_configured():
    freqs, db = cutter_response(resonance_hz=2800.0, resonance_db=8.0, ratio=1.0, drive_db=-24.0)
    band = (freqs > 500) & (freqs < 10000)
    assert freqs[band][np.argmax(db[band])] == pytest.approx(2800.0, rel=0.08)


def test_cutter_overload_saturates_softly():
    dsp = settings(surface=QUIET, read_head=dict(echo_db=-120.0), cutter=dict(drive_db=12.0, ratio=1.0))
    quiet = render(engine_for(dsp, tone(1000, 2, amp=0.01)), 1.5)[FS // 2:]
    loud = render(engine_for(dsp, tone(1000, 2, amp=0.9)), 1.5)[FS // 2:]
    gain_quiet = np.abs(quiet).max() / 0.01
    gain_loud = np.abs(loud).max() / 0.9
    assert gain_loud < 0.5 * gain_quiet  # squeezed
    _, h3 = spectrum_peak(loud, FS, 2900, 3100)
    assert h3 > 0.02 * np.abs(loud).max(), "odd harmonics from the overload"


def hf_share(out: np.ndarray) -> float:
    spec = np.abs(np.fft.rfft(out)) ** 2
    freqs = np.fft.rfftfreq(len(out), 1 / FS)
    return spec[(freqs > 4000) & (freqs < 5500)].sum() / spec[(freqs > 500) & (freqs < 1500)].sum()


def test_inner_grooves_lose_more_high_frequencies():
    rng = np.random.default_rng(5)
    noise = rng.normal(0, 0.1, FS * 200)
    dsp = settings(surface=QUIET, read_head=dict(echo_db=-120.0), wow=dict(eccentricity_mm=0.0),
                   groove=dict(tracing=0.0))
    shares = []
    for start in (1.0, 190.0):  # rim vs near the inner radius
        engine = engine_for(dsp, noise)
        engine.apply(Seek(start))
        shares.append(hf_share(render(engine, 2.0)[4800:]))
    outer, inner = shares
    assert inner < 0.6 * outer, f"hf share outer {outer:.3f}, inner {inner:.3f}"


@pytest.mark.slow  # (several seconds: `make test` has it, `make test-fast` leaves it)
def test_block_size_does_not_change_the_sound():
    music, rate = soundfile.read(str(ROOT / "assets/discs/bugi-na-rebrakh/audio.ogg"), dtype="float32")
    music = np.interp(np.arange(0, len(music), rate / FS), np.arange(len(music)), music)[: FS * 4]
    dsp = settings(surface=dict(crackle_per_second=30.0, scratches=3, hiss_db=-40.0))  # everything on
    a = render(engine_for(dsp, music, spin_up=True), 3.0, block=64)
    b = render(engine_for(dsp, music, spin_up=True), 3.0, block=1024)
    c = render(engine_for(dsp, music, spin_up=True), 3.0, block=100)
    assert np.abs(a).max() > 0.05
    assert np.abs(a - b).max() < 1e-6
    assert np.abs(a - c).max() < 1e-6


def test_speed_changes_glide_without_clicks():
    dsp = settings(surface=QUIET, read_head=dict(echo_db=-120.0))
    engine = engine_for(dsp, tone(440, 6))
    steady = render(engine, 1.0, block=256)
    engine.apply(SetSpeed(0.5))
    changed = render(engine, 1.0, block=256)
    curvature = lambda x: np.abs(np.diff(x, 2)).max()  # noqa: E731
    assert curvature(changed) < 1.1 * curvature(steady[FS // 2:])
    freq, _ = spectrum_peak(changed[FS // 2:], FS, 100, 1000)
    assert freq == pytest.approx(220, abs=3), "half speed, an octave down"


def test_held_disc_is_silent_and_moving_disc_has_surface_noise():
    dsp = settings()  # all noise on
    engine = engine_for(dsp, tone(1000, 5))
    engine.apply(SetSpeed(0.0))
    held = render(engine, 1.0)
    assert np.abs(held).max() < 1e-6
    engine.apply(SetSpeed(1.0))
    render(engine, 1.0)
    moving = render(engine, 1.0)
    assert np.sqrt(np.mean(moving ** 2)) > 0.01


def test_speed_minus_one_plays_backwards():
    chirp = 0.3 * np.sin(2 * np.pi * np.cumsum(np.linspace(200, 2000, FS * 3)) / FS)
    engine = AudioEngine(AudioConfig(master_volume=1.0, fade_seconds=0.0))  # the plain read head
    engine.play(Track.from_samples("c", chirp.astype(np.float32)))
    engine.apply(SetSpeed(-1.0))
    engine.apply(Seek(2.5))
    out = render(engine, 1.0)[engine.player.limiter.latency:]
    start = int(2.5 * FS)
    expected = chirp[start - len(out) + 1: start + 1][::-1]
    assert np.abs(out[300:] - expected[300:]).max() < 1e-3


def test_full_chain_runs_backwards_too():
    chirp = 0.3 * np.sin(2 * np.pi * np.cumsum(np.linspace(200, 2000, FS * 3)) / FS)
    engine = engine_for(settings(surface=QUIET), chirp)
    engine.apply(Seek(2.5))
    engine.apply(SetSpeed(-1.0))
    engine.player.dsp.motion.speed = -1.0
    out = render(engine, 1.0).astype(np.float64)
    inst = np.diff(np.unwrap(np.angle(hilbert(out)))) * FS / (2 * np.pi)
    early, late = np.median(inst[2000:8000]), np.median(inst[-8000:-2000])
    assert early > late + 300, "a falling chirp: the rising one, backwards"


def test_live_parameter_glides_and_bad_values_are_refused():
    engine = engine_for(settings(), tone(1000, 2))
    render(engine, 0.01)
    engine.apply(SetParam("groove", "hf_cutoff_hz", 3000.0))
    render(engine, 256 / FS, block=256)
    midway = engine.player.dsp.settings.groove.hf_cutoff_hz
    assert 3000.0 < midway < 9000.0
    render(engine, 1.0)
    assert engine.player.dsp.settings.groove.hf_cutoff_hz == 3000.0
    with pytest.raises(ValueError, match=r"dsp.cutter.lowpass_hz: must be a number between 1000.0 and 20000.0"):
        engine.apply(SetParam("cutter", "lowpass_hz", 50000))
    with pytest.raises(ValueError, match=r"dsp.cutter: no parameter 'nope'"):
        engine.apply(SetParam("cutter", "nope", 1))
    with pytest.raises(ValueError, match=r"dsp: no stage 'mixer'"):
        engine.apply(SetParam("mixer", "gain", 1))
    with pytest.raises(ValueError, match=r"dsp.wow.warp_depth: must be a number"):
        engine.apply(SetParam("wow", "warp_depth", float("nan")))
    with pytest.raises(ValueError, match="speed: expected a finite number"):
        engine.apply(SetSpeed(float("nan")))


def test_a_live_cutter_change_recuts_the_groove_where_the_stylus_is():
    rng = np.random.default_rng(3)
    engine = engine_for(settings(surface=QUIET, read_head=dict(echo_db=-120.0)), rng.normal(0, 0.1, FS * 10))
    before = render(engine, 2.0)
    engine.apply(SetParam("cutter", "lowpass_hz", 1500.0))
    settled(engine)
    after = render(engine, 2.0)
    assert engine.dsp_cfg.cutter.lowpass_hz == 1500.0
    assert 3.5 < engine.status().position < 4.5, "the new cut took over where the stylus was"
    assert hf_share(after[FS:]) < 0.2 * hf_share(before[FS:]), "the top is gone from the new cut"


def true_peak(x: np.ndarray) -> float:
    from scipy.signal import resample_poly

    return float(np.abs(resample_poly(x.astype(np.float64), 4, 1)).max())  # 4x oversampled, as a DAC sees it


def test_true_peak_never_exceeds_the_limiter_threshold():
    threshold = DspConfig().output.limiter_threshold
    # the chain bypassed: a tone at fs/4 whose samples all sit at 0.85 while its true peak is 1.2
    between = 1.2 * np.sin(2 * np.pi * 12000 * np.arange(FS * 2) / FS + np.pi / 4)
    assert np.abs(between).max() < 0.86 and true_peak(between) > 1.19
    plain = AudioEngine(AudioConfig(master_volume=1.0, fade_seconds=0.0))
    plain.play(Track.from_samples("t", between.astype(np.float32)))
    out = render(plain, 1.5)[FS // 10:]
    assert true_peak(out) <= threshold * 1.005, f"true peak {true_peak(out):.3f}"
    assert true_peak(out) > 0.95 * threshold, "held at the ceiling, not turned down further"
    # and through the whole chain with the cutter ringing hard
    loud = render(engine_for(settings(cutter=dict(drive_db=-24.0, ratio=1.0, resonance_db=18.0)),
                             tone(2800, 2, amp=1.0)), 1.5)
    assert true_peak(loud) <= threshold * 1.005


def test_disc_condition_reaches_the_chain():
    condition = Condition(eccentricity_mm=3.0, hiss_db=-30.0, crackle_per_second=40.0, scratches=5, wear=0.9)
    s = for_disc(DspConfig(), condition, diameter_cm=25.0, rpm=78.0)
    assert s.wow.eccentricity_mm == 3.0 and s.surface.hiss_db == -30.0 and s.surface.scratches == 5
    assert s.groove.outer_radius_mm == 120.0
    assert s.groove.hf_cutoff_hz < DspConfig().groove.hf_cutoff_hz


@pytest.mark.slow  # (several seconds: `make test` has it, `make test-fast` leaves it)
def test_render_cli_round_trip(tmp_path):
    src = tmp_path / "вход.wav"
    soundfile.write(str(src), tone(1000, 3.0, amp=0.9)[::2], 24000)
    out = tmp_path / "выход.wav"
    result = run_cli("render", str(src), str(out), "--condition", "hiss_db=-30", "scratches=4", "--seconds", "2")
    assert result.returncode == 0, result.stderr
    data, rate = soundfile.read(str(out))
    assert rate == 48000 and len(data) == 2 * 48000
    assert np.abs(data).max() <= 1.0
    assert spectrum_peak(data, rate, 200, 5000)[0] == pytest.approx(1000, rel=0.02)  # give or take the wow
    bad = run_cli("render", str(src), str(out), "--condition", "hiss_db=5")
    assert bad.returncode == 1 and "--condition:1: hiss_db: must be between -120.0 and -10.0" in bad.stderr
    disc = run_cli("render", str(src), str(tmp_path / "d.flac"), "--disc", "свинг-под-черепом", "--seconds", "1")
    assert disc.returncode == 0, disc.stderr
    assert soundfile.info(str(tmp_path / "d.flac")).frames == 48000


@pytest.mark.parametrize("hiss_db", [-50.0, -35.0])
def test_film_hiss_level_follows_the_condition(hiss_db):
    dsp = settings(surface=dict(QUIET, hiss_db=hiss_db), read_head=dict(echo_db=-120.0))
    out = render(engine_for(dsp, np.zeros(FS * 4)), 3.0)[FS // 2:]
    rms_db = 20 * np.log10(np.sqrt(np.mean(out.astype(np.float64) ** 2)))
    assert rms_db == pytest.approx(hiss_db, abs=1.5)
    spec = np.abs(np.fft.rfft(out)) ** 2
    freqs = np.fft.rfftfreq(len(out), 1 / FS)
    assert spec[(freqs > 1000) & (freqs < 5000)].mean() > 10 * spec[freqs < 100].mean(), "film hiss, not rumble"


def test_no_aliasing_when_the_platter_runs_fast():
    """A sweep played at 2.5x: everything but the swept tone itself stays 60 dB down."""
    seconds, speed, amp = 6.0, 2.5, 0.2  # a velocity pickup plays it 2.5 times louder: 0.5
    f = np.geomspace(200, 20000, int(seconds * FS))
    sweep = amp * np.sin(2 * np.pi * np.cumsum(f) / FS)
    plain = DspConfig(enabled=False, motion=MotionSettings(slew_per_second=1000.0))  # the read head alone
    engine = AudioEngine(AudioConfig(master_volume=1.0, fade_seconds=0.0), plain)
    engine.apply(SetSpeed(speed))
    engine.play(Track.from_samples("s", sweep.astype(np.float32)), spin_up=False)
    out = render(engine, seconds / speed - 0.05).astype(np.float64)
    n, hop = 2048, 1024
    window = np.blackman(n)
    ref = amp * speed * window.sum() / 2  # the played tone's peak bin
    freqs = np.fft.rfftfreq(n, 1 / FS)
    worst, played_peaks = -200.0, 0
    for start in range(n, len(out) - n, hop):
        spec = np.abs(np.fft.rfft(out[start:start + n] * window))
        played = f[int((start + n / 2) * speed)] * speed  # the source frequency under the stylus, sped up
        images = (np.abs(freqs - played) > max(300.0, 0.1 * played)) & (freqs > 50)  # the sweep moves in a frame
        worst = max(worst, 20 * np.log10(spec[images].max() / ref))
        played_peaks += played < 15000 and spec.max() > 0.5 * ref
    assert played_peaks > 40, "the tone itself is there while it is in the band"
    assert worst < -60.0, f"worst image {worst:.1f} dB"


def harmonic_ratio(out: np.ndarray, f0: float) -> float:
    return amplitude_at(out, 2 * f0, FS) / amplitude_at(out, f0, FS)


def test_tracing_distortion_is_the_configured_value_at_the_inner_radius():
    tracing, amp = 0.2, 0.3
    dsp = settings(surface=dict(QUIET, wobble=0.0), read_head=dict(echo_db=-120.0), wow=dict(eccentricity_mm=0.0),
                   cutter=dict(ratio=1.0, drive_db=-24.0, resonance_db=0.0, lowpass_hz=20000.0, highpass_hz=20.0),
                   groove=dict(tracing=tracing, hf_cutoff_hz=20000.0, outer_radius_mm=115.0, inner_radius_mm=45.0))
    ratios = []
    for start in (1.0, 262.0):  # the rim, and the inner radius (115 - 45 mm at 96 lpi: 263 s at 78 rpm)
        engine = engine_for(dsp, tone(1000, 265, amp=amp))
        engine.apply(Seek(start))
        ratios.append(harmonic_ratio(render(engine, 0.5)[4800:].astype(np.float64), 1000))
    rim, inner = ratios
    assert inner == pytest.approx(tracing * amp / 2, rel=0.15), "x + k x²: second harmonic k a / 2 at the inner radius"
    assert rim == pytest.approx(inner * (45 / 115) ** 2, rel=0.25), "and (r_inner / r)² of it at the rim"


def test_a_glide_sounds_the_same_whatever_the_block_size():
    outs = []
    for block in (64, 256, 1000):
        engine = engine_for(settings(surface=QUIET), tone(1000, 3))
        render(engine, 0.1, block=block)
        engine.apply(SetParam("groove", "hf_cutoff_hz", 2000.0))
        engine.apply(SetParam("wow", "flutter_depth", 0.005))
        outs.append(render(engine, 0.5, block=block))
    assert np.abs(outs[0] - outs[1]).max() < 1e-6 and np.abs(outs[0] - outs[2]).max() < 1e-6


def test_half_speed_is_six_db_down_and_an_octave_lower():
    dsp = settings(surface=dict(QUIET, wobble=0.0), read_head=dict(echo_db=-120.0),
                   wow=dict(eccentricity_mm=0.0, warp_depth=0.0, flutter_depth=0.0))
    engine = engine_for(dsp, tone(1000, 8))
    full = render(engine, 1.5)[FS // 2:]
    engine.apply(SetSpeed(0.5))
    render(engine, 1.0)
    half = render(engine, 1.5)[FS // 2:]
    level = 20 * np.log10(amplitude_at(half, 500, FS) / amplitude_at(full, 1000, FS))
    assert level == pytest.approx(-6.0, abs=0.5), "a velocity pickup: level follows the groove speed"


def test_crackle_is_in_the_groove_and_comes_round_again():
    dsp = settings(surface=dict(QUIET, crackle_per_second=30.0, crackle_db=-10.0), read_head=dict(echo_db=-120.0),
                   wow=dict(eccentricity_mm=0.0, warp_depth=0.0, flutter_depth=0.0))
    engine = engine_for(dsp, np.zeros(FS * 10))
    first = render(engine, 2.0)
    engine.apply(Seek(0.0))
    again = render(engine, 2.0)
    assert np.abs(first).max() > 0.05
    assert np.corrcoef(first[FS // 2:], again[FS // 2:])[0, 1] > 0.99, "the same dust in the same place"


def test_hum_sits_at_mains_frequency_and_rumble_follows_the_platter():
    dsp = settings(surface=dict(QUIET, hum_db=-30.0, hum_hz=50.0, wobble=0.0), read_head=dict(echo_db=-120.0))
    engine = engine_for(dsp, np.zeros(FS * 10))
    engine.apply(SetSpeed(0.0))
    held = render(engine, 2.0)[FS:]
    assert amplitude_at(held, 50, FS) > 5 * amplitude_at(held, 70, FS), "the amplifier hums with the disc held"
    assert amplitude_at(held, 100, FS) == pytest.approx(0.5 * amplitude_at(held, 50, FS), rel=0.1)
    rumbly = settings(surface=dict(QUIET, rumble_db=-20.0, wobble=0.0), read_head=dict(echo_db=-120.0),
                      motion=dict(slew_per_second=1000.0))
    centroids = []
    for speed in (1.0, 0.5):
        engine = engine_for(rumbly, np.zeros(FS * 30))
        engine.apply(SetSpeed(speed))
        out = render(engine, 20.0)[FS:].astype(np.float64)
        spec = np.abs(np.fft.rfft(out)) ** 2
        freqs = np.fft.rfftfreq(len(out), 1 / FS)
        band = freqs < 200
        centroids.append((freqs[band] * spec[band]).sum() / spec[band].sum())
    # half the speed, half the frequencies; what slides below 12 Hz the subsonic filter takes out
    assert 0.4 * centroids[0] < centroids[1] < 0.67 * centroids[0], "rumble slides down with the platter"


def test_an_exception_in_the_chain_costs_silence_not_the_sound(caplog):
    import logging

    engine = engine_for(settings(surface=QUIET), tone(1000, 10))
    render(engine, 0.5)
    original = engine.player.dsp.stages[-1].process  # (the compiled core's one stage, or the numpy chain's last)
    engine.player.dsp.stages[-1].process = lambda block: (_ for _ in ()).throw(IndexError("injected"))
    out = render(engine, 0.1)
    assert np.abs(out).max() == 0.0 and engine.status().errors == 1, "one silent block, counted"
    assert np.abs(render(engine, 0.1)).max() == 0.0, "silent until mended"
    with caplog.at_level(logging.ERROR):
        engine.maintain()
    assert "the sound chain failed (IndexError: injected)" in caplog.text
    back = render(engine, 0.5)
    assert np.abs(back[FS // 10:]).max() > 0.1, "playing again after maintain()"
    assert 0.9 < engine.status().position < 1.3, "from where it was"
    del original


def test_rumble_read_just_behind_the_start_of_its_loop():
    """Found by the soak: a platter pulled back a hair behind turn 0 (x - floor(x) rounds to 1.0)
    read one frame past the rumble loop, and the chain fell silent for a block."""
    from installation.sound.surface import Surface
    from installation.sound.transport import Transport

    t = Transport(FS, 256)
    surface = Surface(t, settings(surface=dict(QUIET, rumble_db=-20.0, wobble=0.0)).surface)
    t.turns[:256] = -1e-17
    t.abs_speed[:256] = 1.0
    out = surface.process(np.zeros(256, dtype=np.float32))
    assert np.isfinite(out).all() and np.abs(out).max() > 0, "rumble from the loop's first frame"


def _both_cores(dsp: DspConfig, source: np.ndarray, moves, blocks=(256, 300, 64, 1024, 4096)) -> list:
    """The same disc played through the compiled core and through the numpy stages, block by
    block (their sizes taking turns), with `moves` {block number: command} sent to both; the
    largest difference and the peak level of each stretch between moves."""
    engines = [AudioEngine(AudioConfig(master_volume=1.0, fade_seconds=0.0, core=core), dsp)
               for core in ("compiled", "python")]
    assert [e.player.compiled for e in engines] == [True, False]
    track = Track.from_samples("t", source.astype(np.float32))
    for e in engines:
        e.play(track, dsp, spin_up=True)
    stretches, worst, peak = [], 0.0, 0.0
    for b in range(max(moves) + 40):
        if b in moves:
            stretches.append((worst, peak))
            worst = peak = 0.0
            for e in engines:
                e.apply(moves[b])
        n = blocks[b % len(blocks)]
        outs = [np.zeros((n, 2), dtype=np.float32) for _ in engines]
        for e, out in zip(engines, outs):
            e.render(out)
        worst = max(worst, float(np.abs(outs[0] - outs[1]).max()))
        peak = max(peak, float(np.abs(outs[1]).max()))
    assert engines[0].player.position_seconds == pytest.approx(engines[1].player.position_seconds, abs=1e-6)
    return stretches + [(worst, peak)]


def test_the_compiled_core_plays_what_the_numpy_stages_play():
    """Every stage on (the film's noise cut in, wow, echo, rumble, groove loss, hum, the limiter
    at work on a loud passage), through spin-up, a live change, a seek, a hand's scratch forth
    and back (the read head's long kernels) and letting go: the two cores agree within 1e-6 at
    play, and within 1e-6 of the level under a scratch at up to 12 times the speed."""
    from installation.sound.port import Hold

    rng = np.random.default_rng(7)
    music = tone(440, 30, 0.5) + tone(3100, 30, 0.2) + 0.05 * rng.standard_normal(30 * FS)
    music[10 * FS:12 * FS] *= 3.0  # loud: the limiter pulls it down
    dsp = settings(surface=dict(hum_db=-40.0, rumble_db=-30.0))
    moves = {60: SetParam("wow", "eccentricity_mm", 4.0), 120: Seek(10.5), 160: Hold(0.0), 165: Hold(0.4),
             175: Hold(-1.2), 190: Hold(-1.0), 200: SetSpeed(1.0), 260: SetSpeed(0.5)}
    stretches = _both_cores(dsp, music, moves)
    played = [s for i, s in enumerate(stretches) if i not in (3, 4, 5, 6)]  # (4-7: under the hand)
    scratched = stretches[3:7]
    assert max(w for w, _ in played) <= 1e-6, stretches
    assert all(w <= 1e-6 * max(1.0, peak) for w, peak in scratched), scratched
    assert max(peak for _, peak in scratched) > 0.5, "the scratch was loud: the long kernels were read"
    assert max(peak for _, peak in stretches) < 1.0, "the limiter held the loud passage"
    del Hold


def test_the_compiled_core_plays_the_plain_chain_too():
    """dsp.enabled: false (the source as it is): the read head alone, the same in both cores."""
    stretches = _both_cores(DspConfig(enabled=False), tone(1000, 10), {50: SetSpeed(0.7)})
    assert max(w for w, _ in stretches) <= 1e-6 and max(p for _, p in stretches) > 0.2, stretches


def test_the_audio_callback_never_compiles():
    """The compiled core is loaded before the first block (numba's cache, or compiled then):
    whatever the block sizes, the discs and the moves, the callback runs the one compiled
    version and never compiles another (a second version is seconds inside the callback)."""
    from installation.sound import compiled

    engine = engine_for(DspConfig(), tone(440, 5))
    before = (len(compiled._disc_block.signatures), len(compiled._limit.signatures))
    assert before == (1, 1), "loaded before any block"
    for n in (32, 256, 1000, 8192):
        render(engine, 0.3, block=n)
    engine.play(Track.from_samples("другой", tone(220, 3).astype(np.float32)), spin_up=False)
    render(engine, 0.5, block=256)
    assert (len(compiled._disc_block.signatures), len(compiled._limit.signatures)) == before
