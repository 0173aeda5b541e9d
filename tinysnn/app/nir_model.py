"""A NIR graph as the network of a run: ``train --nir graph.nir --dt 1e-3``, ``eval``, and
``export RUN/checkpoint.npz --nir model.nir``.

The graph's Input must take the data set's frames [C, H, W] and its Output give one value per
class; the readout is the mean over time of the Output, as a MASNN's. The checkpoint keeps the
graph itself (the bytes of its .nir file, an HDF5 document, base64 in the metadata: data, never
code), so a run resumes and evaluates without the original file; the trained weights are in the
checkpoint's arrays as for every run.
"""

import base64
import io
import os

from ..atomic import atomic_open
from ..nn.module import Module
from .config import ConfigError


class NIRClassifier(Module):
    """x: [T, B, *input_shape] -> the graph's output averaged over time, [B, classes]."""

    def __init__(self, network):
        super().__init__()
        self.network = network

    def forward(self, x):
        return self.network(x).mean(axis=0)


def graph_document(path):
    """The .nir file at ``path`` as base64 text (checked to be a graph nir can read)."""
    from ..interop import require_nir

    nir = require_nir()
    if not os.path.isfile(path):
        raise ConfigError(f"--nir {path}: no such file")
    with open(path, "rb") as f:
        content = f.read()
    try:
        nir.read(io.BytesIO(content), type_check=False)
    except Exception as err:  # noqa: BLE001 (h5py and nir raise many kinds on a bad file)
        raise ConfigError(f"--nir {path}: not a NIR graph nir can read ({err})") from None
    return base64.b64encode(content).decode("ascii")


def graph_from_document(document):
    """The nir.NIRGraph a checkpoint holds (graph_document's text)."""
    from ..interop import require_nir

    nir = require_nir()
    return nir.read(io.BytesIO(base64.b64decode(document)), type_check=False)


def build_nir_model(config, data, document):
    """NIRClassifier of the run's graph, checked against the data set's frames and classes."""
    from ..interop import from_nir

    if document is None:
        raise ConfigError(f"run with --nir {config.nir}: the checkpoint holds no graph")
    network = from_nir(graph_from_document(document), dt=config.dt)
    frames, classes = tuple(data.frame_shape), (data.num_classes,)
    if tuple(network.input_shape) != frames:
        raise ConfigError(f"--nir {config.nir}: the graph's Input takes {list(network.input_shape)}"
                          f", the data set {config.dataset} gives frames of {list(frames)}")
    if tuple(network.output_shape) != classes:
        raise ConfigError(f"--nir {config.nir}: the graph's Output gives "
                          f"{list(network.output_shape)}, the data set {config.dataset} has "
                          f"{data.num_classes} classes (expected [{data.num_classes}])")
    return NIRClassifier(network)


def export_run(checkpoint_path, out, dt=None):
    """Write a run's trained network as a NIR graph to ``out``; returns (graph, dt used)."""
    from ..interop import require_nir, to_nir
    from .report import load_run

    nir = require_nir()
    model, data, config, _ = load_run(checkpoint_path)
    model.eval()
    if isinstance(model, NIRClassifier):
        if dt is not None and dt != config.dt:
            raise ConfigError(f"--dt {dt}: this run's graph was discretised at dt={config.dt}; "
                              f"leave --dt out")
        dt, module = config.dt, model.network
    else:
        dt, module = (1.0 if dt is None else dt), model
    graph = to_nir(module, data.frame_shape, dt)
    buffer = io.BytesIO()
    nir.write(buffer, graph)
    with atomic_open(out, "wb") as f:
        f.write(buffer.getvalue())
    return graph, dt
