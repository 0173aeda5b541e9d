"""The error raised for data files that exist but cannot be read as what they claim to be."""


class DataError(ValueError):
    """A bad header, a truncated file, a malformed label list or a corrupt cache file.

    The message always names the file and what is wrong with it.
    """
