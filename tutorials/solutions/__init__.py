"""Solutions of the exercises in ``tutorials/exercises`` (the same modules, filled in). The tests
in ``tests/exercises`` grade these by default (``TINYSNN_EXERCISES=solutions``), which is how CI
checks that every exercise can be solved. Try the exercise before you read its solution."""
