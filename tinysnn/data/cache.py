"""The on-disk cache of generated and converted data sets.

Files live in ``$TINYSNN_CACHE`` or, when it is unset, ``~/.cache/tinysnn``. A file's name
carries a hash of everything that determines its contents (the parameters and a format
version), so changing any of them makes a new file instead of reading a stale one. Files are
written to a temporary name and renamed into place, so a crash never leaves half a file under
the real name, and they are read with ``allow_pickle=False``.

What is cached from a file the user gave (a parsed recording) is keyed by the file's resolved
path and a digest of its content (``file_digest``): another copy of a data set, or a file
replaced by another of the same size and modification time, is parsed anew, never served the
events of the first. The digest is computed once per version of the file and remembered in the
cache folder, keyed by what ``os.stat`` says of it (resolved path, size, times, inode).
"""

import hashlib
import json
import os
import warnings
import zipfile

import numpy as np

from ..atomic import atomic_open
from .errors import DataError


def cache_root(root=None):
    """The cache folder: ``root`` if given, else $TINYSNN_CACHE, else ~/.cache/tinysnn."""
    if root is None:
        root = os.environ.get("TINYSNN_CACHE") or os.path.join("~", ".cache", "tinysnn")
    return os.path.expanduser(os.fspath(root))


def ensure_cache_root(root=None):
    """The cache folder (as cache_root), made if needed; a DataError naming where the folder
    came from when it is a file or cannot be made."""
    path = cache_root(root)
    if root is not None:
        source = f"cache folder {path}"
    elif os.environ.get("TINYSNN_CACHE"):
        source = f"TINYSNN_CACHE={path}"
    else:
        source = f"the default cache folder {path}"
    if os.path.exists(path) and not os.path.isdir(path):
        raise DataError(f"{source} is a file, not a folder")
    try:
        os.makedirs(path, exist_ok=True)
    except OSError as err:
        raise DataError(f"{source}: cannot make it ({err.strerror or err})") from None
    return path


def cache_key(params):
    """A short hex digest of a JSON-serialisable dict of parameters."""
    text = json.dumps(params, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


DIGEST_CHUNK = 2**22


def _sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(DIGEST_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def file_digest(path, cache_dir):
    """The sha256 of the file at ``path`` (hex), remembered in ``cache_dir``/digests under a key
    of its resolved path, size, modification and change times and inode: a file is hashed again
    only when one of them changed (writing a file always changes its change time)."""
    real = os.path.realpath(path)
    info = os.stat(real)
    stamp = cache_key({"path": real, "size": info.st_size, "mtime_ns": info.st_mtime_ns,
                       "ctime_ns": info.st_ctime_ns, "inode": info.st_ino,
                       "device": info.st_dev})
    memo = os.path.join(cache_dir, "digests", stamp)
    try:
        with open(memo, encoding="ascii") as f:
            remembered = f.read(65)
        if len(remembered) == 64 and all(c in "0123456789abcdef" for c in remembered):
            return remembered
    except (OSError, UnicodeDecodeError):
        pass                                  # not remembered yet, or unreadable: hash again
    digest = _sha256_of(real)
    with atomic_open(memo, "w") as f:
        f.write(digest)
    return digest


def save_npz_atomic(path, **arrays):
    """np.savez to ``path``, written whole or not at all (tinysnn.atomic)."""
    with atomic_open(path) as f:
        np.savez(f, **arrays)


def load_npz(path, names):
    """The arrays ``names`` of an .npz file as a dict, or DataError naming the file."""
    try:
        with np.load(path, allow_pickle=False) as archive:
            missing = [n for n in names if n not in archive.files]
            if missing:
                raise DataError(f"{path}: cache file lacks arrays {missing}")
            return {n: archive[n] for n in names}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as err:
        if isinstance(err, DataError):
            raise
        raise DataError(f"{path}: unreadable cache file ({type(err).__name__}: {err})") from err


def load_or_build(path, names, build):
    """Arrays from the cache file at ``path``; built by ``build()`` and saved when absent.

    A corrupt file is rebuilt with a warning that names it.
    """
    if os.path.exists(path):
        try:
            return load_npz(path, names)
        except DataError as err:
            warnings.warn(f"{err}; regenerating it", RuntimeWarning, stacklevel=3)
    arrays = build()
    try:
        save_npz_atomic(path, **arrays)
    except OSError as err:
        raise DataError(f"{path}: cannot write the cache file ({err.strerror or err})") from None
    return arrays
