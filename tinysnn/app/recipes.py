"""Training recipes: what a data set, a model and a preset bring, and tinysnn's own defaults.

A run's settings come in layers, later ones winning: ``DEFAULTS`` (the small default MA-SNN on
the synthetic gestures), the framing of the run's data set (``DATASET_RECIPES``: the authors'
T and bin length), the recipe of its model (``MODEL_RECIPES``), that of its preset
(``RECIPES``), and what the user gave (``TrainConfig(...)`` arguments, command-line options).
``dataset_options`` merge key by key. metrics.json and checkpoints store the resolved values,
so a run records what it used.
"""

#: tinysnn's defaults for the fields a recipe may set
DEFAULTS = {
    "T": 16, "epochs": 12, "batch_size": 16, "lr": 2e-3, "weight_decay": 0.0, "loss": "mse",
    "scheduler": "cosine", "plateau_factor": 0.1, "plateau_patience": 5, "neuron": "paper",
    "attention": "TCSA",
}

DATASET_RECIPES = {
    # the authors' DVS128 Gait loader: the first 4 s of a recording (no random start) in 8 bins
    # of 500 ms at 128x128; one test clip, its first 4 s too
    "dvs128-gait": {"T": 8, "dataset_options": {"framing": "paper", "bin_us": 500_000,
                                                "clips": 1, "random_start": False}},
    # their CIFAR10-DVS loader: a random window of 20 bins of 10 ms at 128x128; ten voted clips
    "cifar10dvs": {"T": 20, "dataset_options": {"framing": "paper", "bin_us": 10_000,
                                                "clips": 10}},
}

# Att-Res-SNN at small scale: one time step, CSA, cross-entropy on the logits, Adam, images of
# 32x32 (the digits' 8x8 enlarged; ImageNet recipes do not fit a laptop CPU)
_ATTRES = {"T": 1, "attention": "CSA", "loss": "ce", "lr": 1e-3, "batch_size": 32, "epochs": 5,
           "dataset_options": {"encoding": "image", "size": 32}}
MODEL_RECIPES = {f"attres{depth}": _ATTRES for depth in (18, 34, 104)}

RECIPES = {
    # Yao et al. on DVS128 Gesture, as their code trains it: Adam 1e-4, batch 128, 300 epochs,
    # lr x 0.1 when the *training* loss has not improved for 5 epochs, MSE to one-hot; windows
    # of 60 bins of 15 ms, ten test clips per gesture and a vote (tinysnn.data.PaperFrames)
    "paper-gesture": {
        "T": 60, "epochs": 300, "batch_size": 128, "lr": 1e-4, "weight_decay": 0.0,
        "loss": "mse", "scheduler": "plateau", "plateau_factor": 0.1, "plateau_patience": 5,
        "neuron": "paper",
        "dataset_options": {"framing": "paper", "bin_us": 15000, "clips": 10},
    },
    # DVS128 Gait (their DVSGait/CNN/Config.py): Adam 1e-3, batch 128, 100 epochs, plateau
    "paper-gait": {
        "T": 8, "epochs": 100, "batch_size": 128, "lr": 1e-3, "weight_decay": 0.0,
        "loss": "mse", "scheduler": "plateau", "plateau_factor": 0.1, "plateau_patience": 5,
        "neuron": "paper",
        "dataset_options": {"framing": "paper", "bin_us": 500_000, "clips": 1,
                            "random_start": False},
    },
    # CIFAR10-DVS (their CIFAR10DVS/CNN/Config.py): Adam 1e-3, batch 128, 300 epochs, plateau;
    # their cell's surrogate is a rectangle of width 1 there
    "paper-cifar10dvs": {
        "T": 20, "epochs": 300, "batch_size": 128, "lr": 1e-3, "weight_decay": 0.0,
        "loss": "mse", "scheduler": "plateau", "plateau_factor": 0.1, "plateau_patience": 5,
        "neuron": "paper-cifar10dvs",
        "dataset_options": {"framing": "paper", "bin_us": 10_000, "clips": 10},
    },
}


def resolve(preset, given, dataset_options, dataset=None, model=None):
    """The values of the recipe fields: ``given`` (None = not given) over the preset's recipe
    over the model's over the data set's over DEFAULTS; and the dataset options, the given ones
    over the recipes', key by key.

    -> (dict of field values, dict of dataset options)
    """
    recipe, options = dict(DEFAULTS), {}
    for layer in (DATASET_RECIPES.get(dataset, {}), MODEL_RECIPES.get(model, {}),
                  RECIPES.get(preset, {})):
        recipe.update({k: v for k, v in layer.items() if k != "dataset_options"})
        options.update(layer.get("dataset_options", {}))
    values = {name: given.get(name) if given.get(name) is not None else recipe[name]
              for name in DEFAULTS}
    return values, {**options, **(dataset_options or {})}
