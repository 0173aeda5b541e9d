"""Every default of tinysnn and the paper's networks, each number written once.

    from tinysnn.settings import PRESETS
    PRESETS["paper-gesture"].masnn     # MASNN's arguments: T 60, convs 64-128-128, FC 256, ...
    PRESETS["paper-gesture"].recipe    # how it is trained: 300 epochs, Adam 1e-4, batch 128, ...

Who reads what: ``MASNN()`` builds ``NETWORK`` (the small default) and ``MASNN(preset=...)`` a
preset's ``masnn``; a run (``tinysnn.app.recipes``) starts from ``RUN`` and takes the recipes of
its data set (the data set registry's, e.g. ``GAIT``), its model (``ATTRES_RECIPE``) and
its preset; ``PaperFrames`` frames DVS128 Gesture by ``GESTURE`` unless told otherwise; the command
line's ``--help`` prints the defaults from here. This module imports nothing of tinysnn, so every
layer may read it.
"""

from dataclasses import dataclass, field
from types import MappingProxyType

#: time steps of a run, and of the default network, when nothing else says
T = 16


@dataclass(frozen=True)
class Framing:
    """How the MA-SNN authors cut an event data set into frames (``tinysnn.data.PaperFrames``):
    windows of ``T`` bins of ``bin_us`` microseconds, ``clips`` voted test windows per recording,
    training windows at a random start or at the first event."""

    T: int
    bin_us: int
    clips: int
    random_start: bool = True

    def options(self):
        """The run's dataset_options that ask for this framing."""
        options = {"framing": "paper", "bin_us": self.bin_us, "clips": self.clips}
        return options if self.random_start else {**options, "random_start": False}


#: DVS128 Gesture as in the paper: 60 bins of 15 ms (a 900 ms window), ten test clips
GESTURE = Framing(T=60, bin_us=15_000, clips=10)
#: DVS128 Gait (the authors' loader): the first 4 s of a recording in 8 bins of 500 ms, one clip
GAIT = Framing(T=8, bin_us=500_000, clips=1, random_start=False)
#: CIFAR10-DVS (the authors' loader): a random window of 20 bins of 10 ms, ten voted clips
CIFAR10DVS = Framing(T=20, bin_us=10_000, clips=10)

#: the small default MA-SNN: 3 conv layers of 16-32-32 channels, FC 128, 11 classes
NETWORK = MappingProxyType({
    "T": T, "in_channels": 2, "input_size": 32, "num_classes": 11, "channels": (16, 32, 32),
    "pools": (2, 2, 2), "hidden": (128,), "reduction_t": 4, "reduction_c": 4, "neuron": "paper",
    "dropout": 0.0})

#: a training run's defaults: the small default MA-SNN (TCSA) on the synthetic gestures
RUN = MappingProxyType({
    "T": T, "epochs": 12, "batch_size": 16, "lr": 2e-3, "weight_decay": 0.0, "loss": "mse",
    "scheduler": "cosine", "plateau_factor": 0.1, "plateau_patience": 5, "neuron": "paper",
    "attention": "TCSA"})


@dataclass(frozen=True)
class Preset:
    """One of the paper's networks: its architecture and how it is trained, together.

    network: MASNN's arguments besides T; framing: its data's frames (T comes from there);
    training: the recipe's fields besides T, neuron and the framing.
    """

    network: dict
    framing: Framing
    training: dict = field(default_factory=dict)

    @property
    def masnn(self):
        """``MASNN(**preset.masnn)`` builds this network."""
        return {**self.network, "T": self.framing.T}

    @property
    def recipe(self):
        """The run's settings (TrainConfig fields): T, neuron, dataset_options and training."""
        return {**self.training, "T": self.framing.T, "neuron": self.network["neuron"],
                "dataset_options": self.framing.options()}


# the authors train every network with Adam, batch 128, MSE to one-hot, and lr x 0.1 when the
# *training* loss has not improved for 5 epochs
_AUTHORS = dict(batch_size=128, weight_decay=0.0, loss="mse", scheduler="plateau",
                plateau_factor=0.1, plateau_patience=5)

# The authors' DVS128 Gait and CIFAR10-DVS networks (their CNN/Networks/Att_SNN.py) are one
# network: 3x3 convs 2-32-64-128-256-512 on 128x128 frames, each followed by an average pool
# (2, 2, 2, 2, then 4: 512 x 2 x 2 = 2048 features), FC 256, and 21 or 10 output neurons.
_DVS128_NETWORK = dict(in_channels=2, input_size=128, channels=(32, 64, 128, 256, 512),
                       pools=(2, 2, 2, 2, 4), hidden=(256,), reduction_t=2, reduction_c=8)

PRESETS = MappingProxyType({
    # Yao et al., DVS128 Gesture: convs 2-64-128-128 (pools after the 2nd and 3rd), FC 256;
    # Adam 1e-4 for 300 epochs
    "paper-gesture": Preset(
        network=dict(in_channels=2, input_size=32, num_classes=11, channels=(64, 128, 128),
                     pools=(1, 2, 2), hidden=(256,), reduction_t=5, reduction_c=8,
                     neuron="paper"),
        framing=GESTURE, training=dict(_AUTHORS, epochs=300, lr=1e-4)),
    # DVS128 Gait (their DVSGait/CNN/Config.py): 21 outputs (one per folder 0..20 of their
    # loader); Adam 1e-3 for 100 epochs
    "paper-gait": Preset(
        network=dict(_DVS128_NETWORK, num_classes=21, neuron="paper"),
        framing=GAIT, training=dict(_AUTHORS, epochs=100, lr=1e-3)),
    # CIFAR10-DVS (their CIFAR10DVS/CNN/Config.py): 10 classes; the cell's surrogate window is
    # twice as wide there; Adam 1e-3 for 300 epochs
    "paper-cifar10dvs": Preset(
        network=dict(_DVS128_NETWORK, num_classes=10, neuron="paper-cifar10dvs"),
        framing=CIFAR10DVS, training=dict(_AUTHORS, epochs=300, lr=1e-3)),
})

#: Att-Res-SNN's recipe at small scale (every depth): one time step, CSA, cross-entropy on the
#: logits, Adam, images of 32x32 (the digits' 8x8 enlarged; ImageNet recipes do not fit a
#: laptop CPU)
ATTRES_RECIPE = MappingProxyType({"T": 1, "attention": "CSA", "loss": "ce", "lr": 1e-3,
                                  "batch_size": 32, "epochs": 5,
                                  "dataset_options": {"encoding": "image", "size": 32}})
