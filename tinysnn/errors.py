"""The base of the errors tinysnn raises on purpose, for input it cannot use.

Each subclass is raised with a complete message that names what was wrong (the argument, the
file, the setting) and what was expected, so the command line prints it as one line and exits
with status 2. Anything else that escapes is a bug in tinysnn, and the command line says so.

    DataError        a data file or an event array that cannot be read as what it claims to be
    CheckpointError  a checkpoint that is missing, corrupt, or does not fit the run
    ConfigError      settings that cannot make a run
    RunFolderError   a run folder that cannot be written, holds another run, or is in use
    TrainingDiverged a loss that became NaN or infinite
    BackendError     the GPU backend cannot be used
"""


class TinysnnError(Exception):
    """An error in what tinysnn was given (never a bug in tinysnn): its message is complete."""
