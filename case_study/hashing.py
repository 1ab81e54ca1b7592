"""Content hashes: the fingerprints that make "the same" checkable byte for byte."""

from __future__ import annotations

import hashlib
import pickle
from pathlib import Path

import numpy as np


def sha256_bytes(data: bytes) -> str:
    """Return the hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    """Return the hex SHA-256 of the file at ``path``, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()


def sha256_array(values: np.ndarray) -> str:
    """Hash an array's dtype, shape and raw bytes, so 0.5 and "0.5" never collide."""
    array = np.ascontiguousarray(values)
    header = f"{array.dtype.str}|{array.shape}|".encode()
    return sha256_bytes(header + array.tobytes())


def sha256_model(model: object) -> str:
    """Hash a fitted model through its pickle (protocol fixed so Python upgrades do not
    change the hash on their own)."""
    return sha256_bytes(pickle.dumps(model, protocol=5))


def short(digest: str, length: int = 12) -> str:
    """The first ``length`` characters of a hex digest, for display."""
    return digest[:length]
