"""A run's settings, resolved from the recipes of its data set, model and preset over the defaults.

A run's settings come in layers, later ones winning: ``settings.RUN`` (the small default
MA-SNN on the synthetic gestures), the recipe its data set was registered with (the authors'
T and bin length for DVS128 Gait and CIFAR10-DVS), the recipe of its model (``MODEL_RECIPES``),
that of its preset (``settings.PRESETS[name].recipe``), and what the user gave
(``TrainConfig(...)`` arguments, command-line options). ``dataset_options`` merge key by key.
metrics.json and checkpoints store the resolved values, so a run records what it used. Every
number is written in ``tinysnn/settings.py``.
"""

from ..nn.models import DEPTHS
from ..settings import ATTRES_RECIPE, PRESETS, RUN
from .datasets import DATASETS

#: the recipes the models bring: Att-Res-SNN's, the same at every depth
MODEL_RECIPES = {f"attres{depth}": ATTRES_RECIPE for depth in DEPTHS}


def resolve(preset, given, dataset_options, dataset=None, model=None):
    """The values of the recipe fields: ``given`` (None = not given) over the preset's recipe
    over the model's over the data set's over ``settings.RUN``; and the dataset options, the
    given ones over the recipes', key by key.

    -> (dict of field values, dict of dataset options)
    """
    recipe, options = dict(RUN), {}
    registered = DATASETS.get(dataset)
    for layer in (registered.recipe if registered else {}, MODEL_RECIPES.get(model, {}),
                  PRESETS[preset].recipe if preset in PRESETS else {}):
        recipe.update({k: v for k, v in layer.items() if k != "dataset_options"})
        options.update(layer.get("dataset_options", {}))
    values = {name: given.get(name) if given.get(name) is not None else recipe[name]
              for name in RUN}
    return values, {**options, **(dataset_options or {})}
