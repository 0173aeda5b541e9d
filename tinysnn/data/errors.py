"""The error raised for data that cannot be read or used as what it claims to be."""

from ..errors import TinysnnError


class DataError(TinysnnError, ValueError):
    """A bad header, a truncated file, a malformed label list, a corrupt cache file, or events
    outside the range their format or sensor allows.

    The message names the file (or, for an array in memory, the function and the field) and
    what is wrong with it.
    """
