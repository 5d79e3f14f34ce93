"""Who is logged in to the console: session tokens (the HttpOnly cookie), each with its CSRF
token, and the login attempts per address (at most LOGINS_PER_MINUTE)."""
from __future__ import annotations

import secrets
import time
from collections import defaultdict, deque
from typing import Callable, Deque, Dict, Optional, Tuple

LOGINS_PER_MINUTE = 5
MAX_SESSIONS = 64  # the oldest goes first: a script logging in in a loop cannot fill memory


class Sessions:
    def __init__(self, hours: float, clock: Callable[[], float] = time.monotonic):
        self.seconds, self.clock = hours * 3600.0, clock
        self._open: Dict[str, Tuple[str, float]] = {}  # token -> (csrf, expires)
        self._tries: Dict[str, Deque[float]] = defaultdict(deque)

    def may_try(self, address: str) -> bool:
        """A login attempt from `address` (counted whether it succeeds or not)."""
        now, tries = self.clock(), self._tries[address]
        while tries and now - tries[0] > 60.0:
            tries.popleft()
        if len(tries) >= LOGINS_PER_MINUTE:
            return False
        tries.append(now)
        if len(self._tries) > 4096:  # addresses that stopped trying
            for stale in [a for a, t in self._tries.items() if not t or now - t[-1] > 60.0]:
                del self._tries[stale]
        return True

    def open(self) -> Tuple[str, str]:
        """A new session: (its token, its CSRF token)."""
        while len(self._open) >= MAX_SESSIONS:
            del self._open[min(self._open, key=lambda t: self._open[t][1])]
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        self._open[token] = (csrf, self.clock() + self.seconds)
        return token, csrf

    def csrf(self, token: Optional[str]) -> Optional[str]:
        """The CSRF token of a live session, or None (no such session, or it has expired)."""
        entry = self._open.get(token or "")
        if entry is None:
            return None
        if self.clock() > entry[1]:
            del self._open[token or ""]
            return None
        return entry[0]

    def close(self, token: Optional[str]) -> None:
        self._open.pop(token or "", None)
