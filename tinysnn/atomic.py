"""Files written whole or not at all.

``atomic_open(path)`` hands out a temporary file in the target's folder; when the block ends
without an error the file is flushed to disk and renamed over ``path`` (``os.replace`` is
atomic), otherwise it is removed. A crash therefore leaves the old file or the new one, never
half of one. Checkpoints, metrics, data-set caches and written AEDAT files all go through it.
The file gets the permissions any new file would get: 0666 minus the umask.
"""

import contextlib
import os
import tempfile


def default_mode(folder=False):
    """What open() gives a new file (0666) or mkdir a new folder (0777), minus the umask."""
    umask = os.umask(0o022)                 # reading the umask means setting it: put it back
    os.umask(umask)
    return (0o777 if folder else 0o666) & ~umask


@contextlib.contextmanager
def atomic_open(path, mode="wb"):
    """Open a temporary file that replaces ``path`` when the ``with`` block succeeds."""
    folder = os.path.dirname(os.path.abspath(os.fspath(path)))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=os.path.basename(path))
    try:
        with os.fdopen(fd, mode) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, default_mode())     # mkstemp made it 0600
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
