"""Training recipes: what a preset brings besides its network, and tinysnn's own defaults.

A run's settings come from three layers, later ones winning: ``DEFAULTS`` (the small default
MA-SNN on the synthetic gestures), the recipe of the run's preset, and what the user gave
(``TrainConfig(...)`` arguments, command-line options). ``dataset_options`` merge key by key.
metrics.json and checkpoints store the resolved values, so a run records what it used.
"""

#: tinysnn's defaults for the fields a recipe may set
DEFAULTS = {
    "T": 16, "epochs": 12, "batch_size": 16, "lr": 2e-3, "weight_decay": 0.0, "loss": "mse",
    "scheduler": "cosine", "plateau_factor": 0.1, "plateau_patience": 5, "neuron": "paper",
}

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
}


def resolve(preset, given, dataset_options):
    """The values of the recipe fields: ``given`` (None = not given) over the preset's recipe
    over DEFAULTS; and the dataset options, the given ones over the recipe's.

    -> (dict of field values, dict of dataset options)
    """
    recipe = RECIPES.get(preset, {})
    values = {name: given.get(name) if given.get(name) is not None
              else recipe.get(name, default) for name, default in DEFAULTS.items()}
    options = {**recipe.get("dataset_options", {}), **(dataset_options or {})}
    return values, options
