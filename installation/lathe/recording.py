"""The cut's audio on disk as it arrives: a WAV that survives a kill -9 or a power cut.

soundfile writes the samples; once a second they are flushed and fsynced and the two length
fields of the WAV header are brought up to date in place, so at any moment the file on disk
is a complete, valid WAV holding everything up to the last second (libsndfile even reads
past the header's length, to the last whole frame). The writer runs on its own thread: the
audio callback only hands it blocks through a queue."""
from __future__ import annotations

import logging
import os
import queue
import struct
import threading
from pathlib import Path
from typing import Optional

import numpy as np
import soundfile

log = logging.getLogger(__name__)

SYNC_SECONDS = 1.0


class CrashSafeWav:
    def __init__(self, path: Path, sample_rate: int, subtype: str = "PCM_24"):
        self.path = Path(path)
        self.sample_rate = sample_rate
        self.frames = 0
        self._file = soundfile.SoundFile(str(path), "w", sample_rate, 1, subtype, format="WAV")
        self._file.flush()
        self._data_offset = _data_chunk(self.path)
        self._since_sync = 0
        self.sync()  # a valid (empty) WAV from the first moment, for any reader

    def write(self, block: np.ndarray) -> None:
        first = self.frames == 0
        self._file.write(block)
        self.frames += len(block)
        self._since_sync += len(block)
        # libsndfile rewrites the header on the first write (RIFF length 8, data length 0: a file
        # strict readers refuse), so that one is made valid again at once, not a second later
        if first or self._since_sync >= SYNC_SECONDS * self.sample_rate:
            self.sync()

    def sync(self) -> None:
        """Flush the samples, then make the header say how many there are; fsync both."""
        self._since_sync = 0
        self._file.flush()
        size = os.path.getsize(self.path)
        data_bytes = size - self._data_offset - 8
        with open(self.path, "r+b") as fh:
            fh.seek(4)
            fh.write(struct.pack("<I", min(size - 8, 0xFFFFFFFF)))
            fh.seek(self._data_offset + 4)
            fh.write(struct.pack("<I", min(data_bytes, 0xFFFFFFFF)))
            fh.flush()
            os.fsync(fh.fileno())

    def close(self) -> None:
        self._file.close()  # soundfile writes the final header itself


def _data_chunk(path: Path) -> int:
    """Offset of the `data` chunk's tag in a freshly written WAV header."""
    head = path.read_bytes()[:4096]
    pos = 12
    while pos + 8 <= len(head):
        tag, size = head[pos:pos + 4], struct.unpack("<I", head[pos + 4:pos + 8])[0]
        if tag == b"data":
            return pos
        pos += 8 + size + (size & 1)
    raise OSError(f"{path}: no data chunk in the WAV header soundfile wrote")


class RecordingWriter:
    """A CrashSafeWav fed from a queue on a thread of its own; `put` is safe from the callback."""

    def __init__(self, path: Path, sample_rate: int):
        self.wav = CrashSafeWav(path, sample_rate)
        self.queue: "queue.SimpleQueue[Optional[np.ndarray]]" = queue.SimpleQueue()
        self.error: Optional[str] = None
        self._thread = threading.Thread(target=self._run, name="cut-recording", daemon=True)
        self._thread.start()

    def put(self, block: np.ndarray) -> None:
        self.queue.put(block)

    def _run(self) -> None:
        while True:
            block = self.queue.get()
            if block is None:
                break
            try:
                self.wav.write(block)
            except Exception as exc:  # disk full, card pulled: say so, keep draining
                if self.error is None:
                    self.error = f"{self.wav.path}: cannot write the recording: {exc}"
                    log.error("%s", self.error)
        try:
            self.wav.close()
        except Exception as exc:
            log.error("%s: closing the recording: %s", self.wav.path, exc)

    def close(self) -> float:
        """Write what is queued, close the file; the seconds recorded."""
        self.queue.put(None)
        self._thread.join(30)
        return self.wav.frames / self.wav.sample_rate
