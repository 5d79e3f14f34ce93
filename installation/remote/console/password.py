"""The console's password: a salted scrypt hash in the data dir, never the password itself."""
from __future__ import annotations

import hashlib
import hmac
import json
import os
from pathlib import Path

from ...service.atomic import write_atomic

FILE = "console-password.json"
SCRYPT = dict(n=2 ** 14, r=8, p=1, dklen=32)  # ~16 MB and ~50 ms a try on a Pi: a guess costs
MIN_LENGTH = 8


def _digest(password: str, salt: bytes, n: int, r: int, p: int, dklen: int) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=dklen, maxmem=64 * 2 ** 20)


def set_password(data_dir: Path, password: str) -> Path:
    """Store `password`'s hash; ValueError for one too short to keep anyone out."""
    if len(password) < MIN_LENGTH:
        raise ValueError(f"a console password has at least {MIN_LENGTH} characters")
    salt = os.urandom(16)
    record = dict(SCRYPT, salt=salt.hex(), hash=_digest(password, salt, **SCRYPT).hex())
    path = Path(data_dir) / FILE
    write_atomic(path, json.dumps(record))
    os.chmod(path, 0o600)
    return path


def has_password(data_dir: Path) -> bool:
    return (Path(data_dir) / FILE).is_file()


def check_password(data_dir: Path, password: str) -> bool:
    try:
        record = json.loads((Path(data_dir) / FILE).read_text(encoding="utf-8"))
        params = {k: int(record[k]) for k in SCRYPT}
        expected = bytes.fromhex(record["hash"])
        digest = _digest(password, bytes.fromhex(record["salt"]), **params)
    except (OSError, ValueError, KeyError, TypeError):
        return False
    return hmac.compare_digest(digest, expected)
