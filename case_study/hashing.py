"""Content hashes: the fingerprints that make "the same" checkable byte for byte."""

from __future__ import annotations

import hashlib
import types
from pathlib import Path

import numpy as np

from case_study.errors import ModelHashError

__all__ = [
    "ModelHashError",
    "is_sha256",
    "sha256_array",
    "sha256_bytes",
    "sha256_file",
    "sha256_model",
    "short",
]


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
    """Hash a fitted model by what it contains, never by how it happens to be stored.

    A pickle is not a content hash: it writes an object shared twice once and two equal
    copies twice, so two models that predict identically can pickle differently (a
    ``criterion`` string read from JSON is a new object, the library's default is a shared
    literal). Instead this walks the model's state and feeds one SHA-256: dicts sorted by
    key, lists and tuples with a type tag and their length, numpy arrays as dtype, shape
    and bytes (structured arrays field by field, so padding bytes never count; object
    arrays element by element, never their pointers), scalars by type and value, and any
    other object by its class's qualified name and its ``__getstate__()`` (for example
    scikit-learn's Cython ``Tree``: a dict of arrays), plus the arguments of its own
    ``__reduce__`` when it defines one.

    Parameters: ``model`` a fitted estimator or Pipeline (any picklable object).
    Returns the hex digest — equal for equal content in every process.
    Raises ModelHashError for an object that refers to itself.
    """
    digest = hashlib.sha256()
    _feed(digest, model, set())
    return digest.hexdigest()


def _put(digest, tag: str, payload: bytes = b"") -> None:
    # Tag and length first, so no two different sequences of items give the same stream.
    digest.update(tag.encode() + b"\0" + len(payload).to_bytes(8, "little") + payload)


def _sub_digest(value: object, active: set[int]) -> bytes:
    sub = hashlib.sha256()
    _feed(sub, value, active)
    return sub.digest()


def _qualified(kind: type | types.FunctionType) -> str:
    name = getattr(kind, "__qualname__", getattr(kind, "__name__", "?"))
    return f"{getattr(kind, '__module__', '?')}.{name}"


def _feed_array(digest, array: np.ndarray, active: set[int]) -> None:
    if array.dtype.names:
        # Field by field: the gaps between fields hold whatever memory was there.
        _put(digest, "ndarray-struct", f"{array.shape}|{len(array.dtype.names)}".encode())
        for name in array.dtype.names:
            _put(digest, "field", name.encode())
            _feed_array(digest, np.ascontiguousarray(array[name]), active)
    elif array.dtype.hasobject:
        # Object arrays store pointers; hash what they point to, in C order.
        _put(digest, "ndarray-object", f"{array.shape}".encode())
        for item in array.ravel(order="C"):
            _feed(digest, item, active)
    else:
        contiguous = np.ascontiguousarray(array)
        _put(digest, "ndarray", f"{contiguous.dtype.str}|{contiguous.shape}".encode())
        _put(digest, "bytes", contiguous.tobytes())


def _feed_atom(digest, value: object, active: set[int]) -> bool:
    """Feed a value that holds no other values (a scalar, text, a type, a function).

    Returns False, feeding nothing, when ``value`` is a container or an object.
    """
    if isinstance(value, np.generic):
        # Before the Python scalars: numpy.float64 is a float, but its repr varies by version.
        _feed_array(digest, np.asarray(value), active)
    elif value is None or isinstance(value, (bool, int, float, complex)):
        _put(digest, type(value).__qualname__, repr(value).encode())
    elif isinstance(value, str):
        _put(digest, "str", value.encode("utf-8", "surrogatepass"))
    elif isinstance(value, (bytes, bytearray)):
        _put(digest, type(value).__qualname__, bytes(value))
    elif isinstance(value, np.dtype):
        _put(digest, "dtype", str(value.descr if value.names else value.str).encode())
    elif isinstance(value, type):
        _put(digest, "type", _qualified(value).encode())
    elif isinstance(value, (types.FunctionType, types.BuiltinFunctionType, np.ufunc)):
        _put(digest, "function", _qualified(value).encode())
    else:
        return False
    return True


def _feed(digest, value: object, active: set[int]) -> None:
    """Feed ``value``'s canonical content into ``digest`` (``active``: ids on the current path)."""
    if _feed_atom(digest, value, active):
        return

    identity = id(value)
    if identity in active:
        raise ModelHashError(
            f"The model refers to itself through a {type(value).__qualname__}; expected a tree of "
            "fitted objects. Hash the fitted estimator, not a structure that contains it."
        )
    active.add(identity)
    try:
        if isinstance(value, np.ndarray):
            _feed_array(digest, value, active)
        elif isinstance(value, dict):
            # Sorted by the keys' own content hashes: works for keys of mixed types too.
            entries = sorted(
                ((_sub_digest(key, active), key) for key in value), key=lambda entry: entry[0]
            )
            _put(digest, "dict", str(len(entries)).encode())
            for key_digest, key in entries:
                _put(digest, "key", key_digest)
                _feed(digest, value[key], active)
        elif isinstance(value, (list, tuple)):
            _put(digest, type(value).__qualname__, str(len(value)).encode())
            for item in value:
                _feed(digest, item, active)
        elif isinstance(value, (set, frozenset)):
            members = sorted(_sub_digest(item, active) for item in value)
            _put(digest, type(value).__qualname__, str(len(members)).encode())
            for member in members:
                _put(digest, "member", member)
        else:
            _feed_object(digest, value, active)
    finally:
        active.discard(identity)


def _feed_object(digest, value: object, active: set[int]) -> None:
    kind = type(value)
    _put(digest, "object", _qualified(kind).encode())
    if kind.__reduce__ is not object.__reduce__:
        # Extension types (the Cython Tree, slice) keep part of their content in the
        # arguments their own __reduce__ passes to the constructor.
        try:
            reduced = value.__reduce__()
        except TypeError as error:
            raise ModelHashError(
                f"Cannot read the content of a {_qualified(kind)} inside the model ({error}); "
                "expected objects that can be pickled."
            ) from None
        if isinstance(reduced, tuple) and len(reduced) >= 2:
            _put(digest, "reduce-args")
            _feed(digest, reduced[1], active)
    getstate = getattr(value, "__getstate__", None)
    _put(digest, "state")
    _feed(digest, getstate() if getstate is not None else getattr(value, "__dict__", None), active)


def is_sha256(value: object) -> bool:
    """True when ``value`` is a 64-character lower-case hex SHA-256 digest.

    These are the digests this module's functions return.
    """
    hexdigits = "0123456789abcdef"
    return isinstance(value, str) and len(value) == 64 and all(c in hexdigits for c in value)


def short(digest: str, length: int = 12) -> str:
    """The first ``length`` characters of a hex digest, for display."""
    return digest[:length]
