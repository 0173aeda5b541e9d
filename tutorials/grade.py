"""Grade your exercises: ``python tutorials/grade.py`` (all tasks), ``python tutorials/grade.py
2.1`` (one task, every test with its message), ``--solutions`` to grade the solutions instead.
The same as ``python -m tinysnn.course``."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository's tinysnn

from tinysnn.course import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
