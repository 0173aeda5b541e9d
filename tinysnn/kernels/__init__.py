"""The loops that must be fast, one subpackage per kernel family.

Every family (``lif``, ``conv``, ``linear``, ``pool``, ``batch_norm``, ``attention``) is laid out
the same way:

    reference.py   the plain NumPy loop: the specification (and what runs on CuPy without a twin)
    cpu.py         the Numba kernels, tested against reference.py
    gpu.py         the CuPy twin, where a family has one
    __init__.py    the entry points the Functions call; they pick cpu, gpu or reference by the
                   array's type

``threads.py`` holds the one rule for how many threads a Numba kernel uses, ``sparsity.py`` the
one rule for when a conv or linear layer runs its event-driven kernels on mostly-zero input.
"""
