"""Checkpoints: one ``.npz`` of named arrays plus JSON metadata.

Written atomically, read without pickle.

Layout inside the archive::

    model/<parameter or buffer name>   arrays of the model's state_dict
    optim/<name>                       the optimizer's state (moments, step counts, lr)
    meta.json                          a 0-d unicode array holding a JSON document

A checkpoint is first written to a temporary file in the same folder and then renamed over
the target (``os.replace`` is atomic), so a crash never leaves a half-written checkpoint.
"""

import json
import os
import zipfile

import numpy as np

from .. import bounded_json
from ..atomic import atomic_open
from ..errors import TinysnnError

FORMAT = "tinysnn-checkpoint-1"


class CheckpointError(TinysnnError, ValueError):
    """A checkpoint file that is missing, truncated, corrupt or of another format."""


def save_checkpoint(path, model_state, optim_state=None, meta=None):
    """Write model (and optimizer) state and JSON-able ``meta`` to ``path`` atomically."""
    arrays = {f"model/{k}": np.asarray(v) for k, v in model_state.items()}
    for k, v in (optim_state or {}).items():
        arrays[f"optim/{k}"] = np.asarray(v)
    document = dict(meta or {}, format=FORMAT)
    arrays["meta.json"] = np.array(json.dumps(document))
    with atomic_open(path) as f:
        np.savez(f, **arrays)
    return path


def load_checkpoint(path):
    """Read a checkpoint: returns (model_state, optim_state, meta). Never unpickles anything."""
    if not os.path.isfile(path):
        raise CheckpointError(f"checkpoint {path}: no such file")
    if not zipfile.is_zipfile(path):   # np.load would take other bytes for a pickle or .npy
        raise CheckpointError(f"checkpoint {path}: not a checkpoint (not an .npz archive)")
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, KeyError) as err:
        raise CheckpointError(f"checkpoint {path}: unreadable or truncated ({err})") from err
    if "meta.json" not in arrays:
        raise CheckpointError(f"checkpoint {path}: no meta.json entry, not a tinysnn checkpoint")
    try:
        meta = bounded_json.loads(str(arrays.pop("meta.json")))
    except ValueError as err:       # not JSON, too deep or too long
        raise CheckpointError(f"checkpoint {path}: corrupt metadata ({err})") from err
    if not isinstance(meta, dict):
        raise CheckpointError(f"checkpoint {path}: metadata is a {type(meta).__name__}, "
                              f"expected a JSON object")
    if meta.get("format") != FORMAT:
        raise CheckpointError(f"checkpoint {path}: format {meta.get('format')!r}, "
                              f"expected {FORMAT!r}")
    model = {k[len("model/"):]: v for k, v in arrays.items() if k.startswith("model/")}
    optim = {k[len("optim/"):]: v for k, v in arrays.items() if k.startswith("optim/")}
    return model, optim, meta
