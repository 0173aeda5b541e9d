"""Your exercises: one module per notebook. Each function marked "Task N.M" raises
NotImplementedError until you write it. Grade your work with the check cell at the end of the
notebook, or with ``TINYSNN_EXERCISES=stubs python -m pytest tests/exercises -k task_N_M``."""
