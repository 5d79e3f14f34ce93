"""The disc emulation's six per-sample stages (motion, wow, read head, surface, groove loss, hum)
fused into one compiled loop per block, with numba.

Why: at the callback's 256 frames, four fifths of the Python stages' time is the cost of their
numpy calls, not their arithmetic. The stages stay the reference and the owners of the state:
`FusedDisc` reads their parameters and state before each block and writes their state back after
it, so the player seeks, holds, loads and glides them as before, and the offline render and the
tests can run either path. The loop follows the stages' arithmetic step by step, rounding to
float32 where they store float32, so its output equals theirs within 1e-6 (tests/test_dsp.py).

Compiled once and cached beside this file (numba's `cache=True`); `warm()` loads or compiles it
before the first block, never inside the audio callback.
"""
from __future__ import annotations

import math
import time
from typing import Any, Optional

import numpy as np

from .cut import db
from .emulation import DiscEmulation
from .groove_loss import CONTROL, MAX_TRACING, RETRACE, RETUNE
from .output import HALF_FIR, LOOKAHEAD, Limiter
from .readhead import _BOUNDS, FAMILIES, GRID, PAD, PHASES, TABLES
from .settings import DspConfig
from .surface import RUMBLE_LOOP
from .transport import Transport

try:  # a wheel for x86-64 and aarch64; without it the stages run as they are
    import numba
except ImportError:  # pragma: no cover - numba is a dependency; this is for a box where it will not install
    numba = None  # type: ignore[assignment]


TAU = 2 * math.pi
_TAPS = np.array([f.taps for f in FAMILIES], dtype=np.int64)
_TABLE = np.zeros((len(FAMILIES), PHASES, int(_TAPS.max())), dtype=np.float32)
for _f, _t in enumerate(TABLES):
    _TABLE[_f, :, :_t.shape[1]] = _t

# par: the block's parameters (from the stages' settings), by index
(P_FS, P_RPM, P_SLEW, P_TARGET, P_PITCH, P_OUTER, P_INNER, P_ECC, P_WARP, P_WARP_REV, P_FLUTTER, P_FLUTTER_REV,
 P_WOW0, P_WOW1, P_WOW2, P_ECHO, P_TURN, P_WOBBLE, P_SURF0, P_RUMBLE, P_HF, P_TRACING, P_G_OUTER, P_G_INNER,
 P_HUM, P_HUM_HZ, P_ENABLED, P_HAS_TRACK, P_LEN) = range(29)
# st: the state carried from block to block (the stages' own, written back after the block)
(S_SPEED, S_TURNS, S_GROOVE_POS, S_POS, S_INDEX, S_ENDED, S_G_INDEX, S_K, S_CUTOFF, S_HUM_INDEX,
 S_LP_Z0, S_LP_Z1, S_LP_X0, S_LP_X1, S_LP_Y0, S_LP_Y1, S_LP_B0, S_LP_B1, S_LP_B2, S_LP_A1, S_LP_A2,
 S_HP_Z0, S_HP_Z1, S_HP_B0, S_HP_B1, S_HP_B2, S_HP_A1, S_HP_A2) = range(28)
# work: per-frame rows, as the transport's arrays (float32 values kept exactly in float64)
W_SPEED, W_TURNS, W_RADIUS, W_RATIO, W_POS, W_ABS_INC, W_ABS_SPEED = range(7)


def _jit(function):
    """Compiled on its first call, or loaded from numba's cache beside this file."""
    return numba.njit(cache=True, error_model="numpy", nogil=True)(function) if numba is not None else function


@_jit
def _oscillator(turns, per_rev, phase, step):
    """cos and sin of 2π frac(turns x per_rev) + phase, and of the step it turns by each frame:
    a rotation per frame instead of a cos and a sin (rounding of about 1e-13 after 8192 frames)."""
    u = turns * per_rev
    angle = (u - math.floor(u)) * TAU + phase
    return math.cos(angle), math.sin(angle), math.cos(step), math.sin(step)


@_jit
def _motion(n, par, st, work):
    """transport.Motion: a straight ramp toward the target at the slew limit, then level; the
    platter's angle and the groove's radius per frame. True when the speed is one all block."""
    speed, turns, radius, abs_speed = work[W_SPEED], work[W_TURNS], work[W_RADIUS], work[W_ABS_SPEED]
    speed0 = st[S_SPEED]
    delta = par[P_TARGET] - speed0
    step = (1.0 if delta > 0 else -1.0) * par[P_SLEW]
    for i in range(n):
        speed[i] = speed0 if delta == 0.0 else min(max((i + 1) * step, -abs(delta)), abs(delta)) + speed0
    rev_per_frame = par[P_RPM] / 60.0 / par[P_FS]
    turns0, groove0 = st[S_TURNS], st[S_GROOVE_POS]
    mm_per_frame = -rev_per_frame * par[P_PITCH]
    outer, inner = par[P_OUTER], par[P_INNER]
    c = 0.0
    g = 0.0
    for i in range(n):
        c += speed[i]
        g = c - speed[i]  # frames travelled before frame i
        turns[i] = g * rev_per_frame + turns0
        radius[i] = min(max((g + groove0) * mm_per_frame + outer, inner), outer)
        abs_speed[i] = np.float32(abs(speed[i]))
    travelled = g + speed[n - 1]
    st[S_SPEED] = speed[n - 1]
    st[S_TURNS] = turns0 + travelled * rev_per_frame
    st[S_GROOVE_POS] = groove0 + travelled
    return delta == 0.0


@_jit
def _wow(n, par, work, steady, turn_step):
    """wow.Wow: the pitch ratio 1 + (e / r) cos(2π turns + φ0) + warp + flutter."""
    turns, radius, ratio = work[W_TURNS], work[W_RADIUS], work[W_RATIO]
    ecc, wow0 = par[P_ECC], par[P_WOW0]
    warp, warp_rev, wow1 = par[P_WARP], par[P_WARP_REV], par[P_WOW1]
    flutter, flutter_rev, wow2 = par[P_FLUTTER], par[P_FLUTTER_REV], par[P_WOW2]
    t = turns[0]
    ec, es, ed_c, ed_s = _oscillator(t, 1.0, wow0, turn_step)
    wc, ws, wd_c, wd_s = _oscillator(t, warp_rev, wow1, turn_step * warp_rev)
    fc, fs_, fd_c, fd_s = _oscillator(t, flutter_rev, wow2, turn_step * flutter_rev)
    for i in range(n):
        if not steady:
            t = turns[i]
            ec = math.cos((t - math.floor(t)) * TAU + wow0)
            ws = math.sin((t * warp_rev - math.floor(t * warp_rev)) * TAU + wow1)
            fs_ = math.sin((t * flutter_rev - math.floor(t * flutter_rev)) * TAU + wow2)
        ratio[i] = ec * ecc / radius[i] + 1.0 + ws * warp + fs_ * flutter
        if steady:
            ec, es = ec * ed_c - es * ed_s, es * ed_c + ec * ed_s
            wc, ws = wc * wd_c - ws * wd_s, ws * wd_c + wc * wd_s
            fc, fs_ = fc * fd_c - fs_ * fd_s, fs_ * fd_c + fc * fd_s


@_jit
def _positions(n, st, work):
    """readhead.ReadHead's positions: the groove read at speed x ratio frames a frame. True when
    it reads faster than the normal kernel serves somewhere in the block."""
    speed, ratio, pos, abs_inc = work[W_SPEED], work[W_RATIO], work[W_POS], work[W_ABS_INC]
    p0 = st[S_POS]
    c = 0.0
    inc = 0.0
    fast = False
    for i in range(n):
        inc = speed[i] * ratio[i]
        c += inc
        pos[i] = (c - inc) + p0
        abs_inc[i] = np.float32(abs(inc))
        fast = fast or abs_inc[i] > 1.1
    st[S_POS] = pos[n - 1] + inc
    return fast


@_jit
def _read(block, padded, par, st, work, table, taps, bounds, fast):
    """readhead.ReadHead: a windowed-sinc read at each position, one kernel family per stretch of
    the absolute grid, the adjacent grooves' echo, the velocity pickup's level."""
    n = block.shape[0]
    pos, abs_inc, abs_speed = work[W_POS], work[W_ABS_INC], work[W_ABS_SPEED]
    start = np.int64(st[S_INDEX])
    st[S_INDEX] = start + n
    last = padded.shape[0] - 1
    echo, turn = np.float32(par[P_ECHO]), np.int64(par[P_TURN])
    at = 0
    while at < n:
        stop = min(n, at + GRID - (start + at) % GRID)
        fam = 0
        if fast:
            top = 0.0
            for i in range(at, stop):
                top = max(top, abs_inc[i])
            while fam < bounds.shape[0] and bounds[fam] < top:
                fam += 1
        k = taps[fam]
        for i in range(at, stop):
            p = pos[i]
            fl = math.floor(p)
            at_floor = min(max(np.int64(fl) + PAD, 0), last)
            row = np.int64((p - fl) * PHASES)
            base = min(max(at_floor - (k // 2 - 1), 0), last + 1 - k)
            acc = 0.0
            for j in range(k):
                acc += table[fam, row, j] * padded[base + j]
            x = np.float32(acc)
            if echo != 0.0:
                lo, hi = at_floor - turn, at_floor + turn
                e = np.float32((padded[lo] if lo >= 0 else np.float32(0.0)) +
                               (padded[hi] if hi <= last else np.float32(0.0)))
                x += np.float32(e * echo)
            block[i] = x * np.float32(abs_speed[i])
        at = stop
    if st[S_POS] >= par[P_LEN]:
        st[S_ENDED] = 1.0


@_jit
def _surface(block, par, work, rumble, steady, turn_step):
    """surface.Surface: the film's level swing once a turn, the motor's rumble at the platter's position."""
    f32 = np.float32
    n = block.shape[0]
    turns, abs_speed = work[W_TURNS], work[W_ABS_SPEED]
    wobble, surf0, rumble_gain = f32(par[P_WOBBLE]), par[P_SURF0], f32(par[P_RUMBLE])
    to_loop = par[P_FS] * 60.0 / par[P_RPM] / RUMBLE_LOOP
    mask = RUMBLE_LOOP - 1
    oc, os_, od_c, od_s = _oscillator(turns[0], 1.0, surf0, turn_step)
    for i in range(n):
        t = turns[i]
        x = block[i]
        if wobble != 0.0:
            if not steady:
                oc = math.cos(f32(f32((t - math.floor(t)) * TAU) + surf0))
            x *= f32(f32(oc) * wobble) + f32(1.0)
            if steady:
                oc, os_ = oc * od_c - os_ * od_s, os_ * od_c + oc * od_s
        if rumble_gain != 0.0:
            v = t * to_loop
            u = (v - math.floor(v)) * RUMBLE_LOOP
            fl = math.floor(u)
            at_loop = np.int64(fl) & mask
            r0 = rumble[at_loop]
            r = r0 + f32((rumble[(at_loop + 1) & mask] - r0) * (u - fl))
            x += f32(r * f32(abs_speed[i])) * rumble_gain
        block[i] = x


@_jit
def _groove_loss(block, par, st, work):
    """groove_loss.GrooveLoss: tracing x + k x², the lowpass that follows radius and speed
    (retuned on the CONTROL grid, carried on from its recent input and output as lfiltic
    does), the subsonic filter; both in transposed direct form II, as scipy's lfilter."""
    f32 = np.float32
    n = block.shape[0]
    radius, abs_speed = work[W_RADIUS], work[W_ABS_SPEED]
    fs = par[P_FS]
    g_index = np.int64(st[S_G_INDEX])
    hf, tracing, g_outer, g_inner = par[P_HF], par[P_TRACING], par[P_G_OUTER], par[P_G_INNER]
    k, cutoff = st[S_K], st[S_CUTOFF]
    z0, z1, x0, x1, y0, y1 = st[S_LP_Z0], st[S_LP_Z1], st[S_LP_X0], st[S_LP_X1], st[S_LP_Y0], st[S_LP_Y1]
    b0, b1, b2, a1, a2 = st[S_LP_B0], st[S_LP_B1], st[S_LP_B2], st[S_LP_A1], st[S_LP_A2]
    h0, h1 = st[S_HP_Z0], st[S_HP_Z1]
    hb0, hb1, hb2, ha1, ha2 = st[S_HP_B0], st[S_HP_B1], st[S_HP_B2], st[S_HP_A1], st[S_HP_A2]
    kf = f32(k)
    for i in range(n):
        if (g_index + i) % CONTROL == 0:
            new_cutoff = max(20.0, hf * radius[i] / g_outer * abs_speed[i])
            new_k = min(MAX_TRACING, tracing * (g_inner / radius[i]) ** 2)
            retune = abs(new_cutoff - cutoff) > RETUNE * cutoff
            if retune or abs(new_k - k) > RETRACE * max(k, 1e-6):
                k, kf = new_k, f32(new_k)
                if retune:
                    cutoff = new_cutoff
                    b0, b1, b2, a1, a2 = _lowpass(cutoff, fs)
                    z0 = b1 * x0 + b2 * x1 - (a1 * y0 + a2 * y1)
                    z1 = b2 * x0 - a2 * y0
        x = block[i]
        if k != 0.0:
            x += f32(x * x) * kf
        xd = np.float64(x)
        y = z0 + b0 * xd
        z0 = z1 + xd * b1 - y * a1
        z1 = xd * b2 - y * a2
        x1, x0, y1, y0 = x0, xd, y0, y
        xd = np.float64(f32(y))
        y = h0 + hb0 * xd
        h0 = h1 + xd * hb1 - y * ha1
        h1 = xd * hb2 - y * ha2
        block[i] = f32(y)
    st[S_G_INDEX] = g_index + n
    st[S_K], st[S_CUTOFF] = k, cutoff
    st[S_LP_Z0], st[S_LP_Z1], st[S_LP_X0], st[S_LP_X1], st[S_LP_Y0], st[S_LP_Y1] = z0, z1, x0, x1, y0, y1
    st[S_LP_B0], st[S_LP_B1], st[S_LP_B2], st[S_LP_A1], st[S_LP_A2] = b0, b1, b2, a1, a2
    st[S_HP_Z0], st[S_HP_Z1] = h0, h1


@_jit
def _lowpass(cutoff, fs):
    """filters.lowpass (Q 1/√2), normalised: b0, b1, b2, a1, a2."""
    w = TAU * min(cutoff, 0.49 * fs) / fs
    alpha, cw = math.sin(w) / (2 * (1 / math.sqrt(2))), math.cos(w)
    a0 = 1 + alpha
    return (1 - cw) / 2 / a0, (1 - cw) / a0, (1 - cw) / 2 / a0, -2 * cw / a0, (1 - alpha) / a0


@_jit
def _hum(block, par, st):
    """surface.Hum: hum_hz and its second harmonic from the frame count (a fixed frequency:
    always a rotation)."""
    f32 = np.float32
    n = block.shape[0]
    hum_gain = f32(par[P_HUM])
    hum_start = np.int64(st[S_HUM_INDEX])
    st[S_HUM_INDEX] = hum_start + n
    if hum_gain == 0.0:
        return
    per_frame = par[P_HUM_HZ] / par[P_FS]
    hc, hs, hd_c, hd_s = _oscillator(np.float64(hum_start), per_frame, 0.0, TAU * per_frame)
    for i in range(n):
        b = f32(f32(hs) + f32(f32(2.0 * hs * hc) * f32(0.5)))  # sin θ + sin 2θ / 2
        block[i] += b * hum_gain
        hc, hs = hc * hd_c - hs * hd_s, hs * hd_c + hc * hd_s


@_jit
def _disc_block(block, padded, par, st, work, table, taps, bounds, rumble):
    """One block through motion, wow, read head, surface, groove loss and hum, in place: each
    step as its stage does it, in the same order of operations."""
    n = block.shape[0]
    enabled = par[P_ENABLED] != 0.0
    steady = _motion(n, par, st, work)
    turn_step = TAU * work[W_SPEED][0] * par[P_RPM] / 60.0 / par[P_FS]  # (the platter's angle a frame, when steady)
    if enabled:
        _wow(n, par, work, steady, turn_step)
    else:
        work[W_RATIO][:n] = 1.0
    fast = _positions(n, st, work)
    if par[P_HAS_TRACK] != 0.0:
        _read(block, padded, par, st, work, table, taps, bounds, fast)
    else:
        st[S_INDEX] += n
        block[:] = 0.0
    if enabled:
        _surface(block, par, work, rumble, steady, turn_step)
        _groove_loss(block, par, st, work)
        _hum(block, par, st)


def warm() -> float:
    """Load or compile the loop now, outside the audio callback; the seconds it took."""
    started = time.perf_counter()
    FusedDisc(DiscEmulation(DspConfig(), Transport(48000, 64), 64)).process(np.zeros(64, dtype=np.float32))
    CompiledLimiter(0.5, 64).process(np.ones(64, dtype=np.float32))  # (loud: its whole loop)
    return time.perf_counter() - started


class FusedDisc:
    """One stage in place of the disc emulation's six (`DiscEmulation.stages`), computing what
    they compute in one compiled loop: their parameters and state are read from them before
    each block and their state written back after it."""

    def __init__(self, emu: DiscEmulation):
        self.emu = emu
        if numba is None:
            raise ImportError("the compiled core needs numba (pip install numba)")
        self.par = np.zeros(P_LEN + 1)
        self.st = np.zeros(S_HP_A2 + 1)
        self.work = np.zeros((W_ABS_SPEED + 1, len(emu.motion.t.speed)))  # whole: one layout, one compilation
        self._none = np.zeros(2 * PAD + 1, dtype=np.float32)  # no track (and no rumble in the plain chain)
        # the stages with state of their own (none of them in the plain chain: dsp.enabled false)
        self._groove: Any = emu.by_name.get("groove")
        self._hum: Any = emu.by_name.get("hum")
        self._surface: Any = emu.by_name.get("surface")
        groove = self._groove
        if groove is not None:  # the filters' state lives here from now on (the stage's own stays unused)
            b, a = groove.filter.b, groove.filter.a
            self.st[S_LP_B0:S_LP_A2 + 1] = b[0], b[1], b[2], a[1], a[2]
            hb, ha = groove.subsonic.b, groove.subsonic.a
            self.st[S_HP_B0:S_HP_A2 + 1] = hb[0], hb[1], hb[2], ha[1], ha[2]
            self.st[S_CUTOFF] = groove.cutoff
        self._settings: Optional[DspConfig] = None

    def _parameters(self) -> None:
        """The settings' part of `par`, again only when the settings were replaced."""
        emu, par = self.emu, self.par
        motion, t = emu.motion, emu.motion.t
        par[P_FS], par[P_RPM], par[P_PITCH], par[P_OUTER], par[P_INNER] = (t.fs, t.rpm, motion.pitch_mm,
                                                                           motion.outer, motion.inner)
        par[P_ECHO], par[P_TURN] = emu.read_head.echo_gain, int(round(t.fs * 60.0 / t.rpm))
        par[P_ENABLED] = float(emu.settings.enabled)
        if emu.settings.enabled:
            wow, surface, groove, hum = (emu.by_name[k] for k in ("wow", "surface", "groove", "hum"))
            w, s, g = wow.s, surface.s, groove.s
            par[P_ECC:P_WOW2 + 1] = (w.eccentricity_mm, w.warp_depth, w.warp_per_rev, w.flutter_depth,
                                     w.flutter_per_rev, *wow.phase)
            par[P_WOBBLE], par[P_SURF0], par[P_RUMBLE] = s.wobble, surface.phase[0], db(s.rumble_db)
            par[P_HF], par[P_TRACING], par[P_G_OUTER], par[P_G_INNER] = (g.hf_cutoff_hz, g.tracing, groove.outer,
                                                                         groove.inner)
            hs = hum.s
            par[P_HUM] = db(hs.hum_db) / math.sqrt(0.5 * (1 + 0.25)) if hs.hum_db > -119 else 0.0
            par[P_HUM_HZ] = hs.hum_hz
        self._settings = emu.settings

    def process(self, block: np.ndarray) -> np.ndarray:
        emu = self.emu
        if emu.settings is not self._settings:
            self._parameters()
        motion, head, par, st = emu.motion, emu.read_head, self.par, self.st
        if motion.by_hand:
            motion.target = motion._follow()
        par[P_TARGET] = motion.target
        par[P_SLEW] = motion.hand_slew if motion.by_hand else motion.motor_slew
        track = head.track
        par[P_HAS_TRACK] = track is not None
        par[P_LEN] = len(track) if track is not None else 0
        st[S_SPEED], st[S_TURNS], st[S_GROOVE_POS] = motion.speed, motion.turns, motion.groove_pos
        st[S_POS], st[S_INDEX], st[S_ENDED] = head.pos, head.index, head.ended
        groove, hum, surface = self._groove, self._hum, self._surface
        if groove is not None:
            st[S_G_INDEX], st[S_K], st[S_HUM_INDEX] = groove.index, groove.k, hum.index
        _disc_block(block, track.padded if track is not None else self._none, par, st, self.work,
                    _TABLE, _TAPS, _BOUNDS, surface.rumble if surface is not None else self._none)
        motion.speed, motion.turns, motion.groove_pos = float(st[S_SPEED]), float(st[S_TURNS]), float(st[S_GROOVE_POS])
        head.pos, head.index, head.ended = float(st[S_POS]), int(st[S_INDEX]), bool(st[S_ENDED])
        if groove is not None:
            groove.index, groove.k, groove.cutoff = int(st[S_G_INDEX]), float(st[S_K]), float(st[S_CUTOFF])
            hum.index = int(st[S_HUM_INDEX])
        return block


@_jit
def _limit(block, hist, buf, env, ahead, acc, fir, threshold, release, gain):
    """output.Limiter.process, step by step: the block LOOKAHEAD + HALF_FIR frames late, its gain
    ramped down ahead of every true peak over the threshold and back up at the release; returns
    the gain at the last frame."""
    n, h, k = block.shape[0], hist.shape[0], HALF_FIR
    f32 = np.float32
    total = n + h
    xb = buf[:total]
    xb[:h] = hist
    xb[h:] = block
    hist[:] = xb[n:]
    loud = 0.0
    for i in range(total):
        loud = max(loud, abs(np.float64(xb[i])))
    if gain == 1.0 and loud < 0.5 * threshold:
        block[:] = xb[k:k + n]  # far below: no inter-sample peak can reach the threshold
        return gain
    size = total - 2 * k + 2  # the envelope at frames k-1 .. total-k
    for i in range(size):
        env[i] = abs(np.float64(xb[k - 1 + i]))
    taps = fir.shape[1]
    wide = ahead[:total]  # (free until the ramps below)
    for i in range(total):
        wide[i] = xb[i]
    for p in range(fir.shape[0]):  # the values in the gap after each frame, 4x oversampled
        for j in range(size - 1):
            acc[j] = 0.0
        for q in range(taps):  # tap by tap over the block: the loop the machine runs several frames at a time
            c = np.float64(fir[p, q])
            for j in range(size - 1):
                acc[j] += wide[j + q] * c
        for j in range(size - 1):
            between = abs(np.float64(f32(acc[j])))
            env[j] = max(env[j], between)
            env[j + 1] = max(env[j + 1], between)
    m = n + LOOKAHEAD
    for i in range(m):
        ahead[i] = min(1.0, 0.985 * threshold / max(env[i + 1], 1e-9)) + i / LOOKAHEAD
    low = np.inf
    for i in range(m - 1, -1, -1):  # a ramp down into each peak ahead
        low = min(low, ahead[i])
        ahead[i] = low
    running = np.inf
    g = gain
    for i in range(n):  # and back up no faster than the release
        rise = i * release
        running = min(running, ahead[i] - i / LOOKAHEAD - rise)
        g = min(min(running, gain + release) + rise, 1.0)
        block[i] = f32(np.float64(xb[k + i]) * g)
    return g


class CompiledLimiter(Limiter):
    """The safety limiter as one compiled loop (the same parameters and state as Limiter)."""

    def __init__(self, threshold: float, max_frames: int, sample_rate: int = 48000):
        super().__init__(threshold, max_frames, sample_rate)
        self._env = np.zeros(len(self._buf))
        self._ahead = np.zeros(len(self._buf))
        self._acc = np.zeros(len(self._buf))

    def process(self, block: np.ndarray) -> np.ndarray:
        self.gain = float(_limit(block, self._hist, self._buf, self._env, self._ahead, self._acc, self._fir,
                                 self.threshold, self.release, self.gain))
        return block
