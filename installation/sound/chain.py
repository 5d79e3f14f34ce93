"""An audio chain is a list of small stages, each with ``process(block) -> block``.

Blocks are mono float32 arrays of one callback's frames. Stages may work in place and
must not allocate large arrays or block: they run inside the audio callback.
"""
from __future__ import annotations

from typing import Protocol, Sequence

import numpy as np


class Stage(Protocol):
    def process(self, block: np.ndarray) -> np.ndarray: ...


class Chain:
    def __init__(self, stages: Sequence[Stage]):
        self.stages = list(stages)

    def process(self, block: np.ndarray) -> np.ndarray:
        for stage in self.stages:
            block = stage.process(block)
        return block
