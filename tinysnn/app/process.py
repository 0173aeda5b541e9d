"""What the command line sets for its own process, and a library must not set for its host.

``import tinysnn`` changes nothing in the process that imports it. The command line
(``python -m tinysnn``) owns its process and calls ``tune_process()`` first; so do the
benchmarks and the tests. A program of yours may call it too, before its first training step:

* ``OMP_WAIT_POLICY=PASSIVE`` (unless the environment sets it): Numba's OpenMP threads sleep
  while they wait for work instead of spinning. On a machine busy with other work the spinning
  steals the cores the next kernel needs: a training step of the default network took about
  three times as long spinning as passive on a shared 2-core machine. OpenMP reads it when it
  starts its threads, at the first parallel kernel.
* glibc's malloc keeps freed memory for reuse (``tinysnn.memory.keep_freed_memory``): a
  training step allocates and frees the same large arrays again and again, and fresh pages
  cost a page fault each. TINYSNN_MALLOC_TUNING=0 leaves malloc as it is.
"""

import os

from ..memory import keep_freed_memory


def tune_process():
    """Passive OpenMP waiting and malloc keeping freed memory, for this whole process."""
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    keep_freed_memory()
