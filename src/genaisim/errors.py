"""Errors that are the user's to fix, each carrying one readable message."""


class GenaisimError(Exception):
    """A problem the user can fix; the command line prints the message without a traceback."""


class ScenarioError(GenaisimError, ValueError):
    """A scenario file or a change to a scenario is invalid.

    The message names the file (when there is one), the key, the value given and
    what is allowed.
    """


class FolderNotEmptyError(GenaisimError):
    """An output folder already holds something, and replacing it was not asked for."""

    def __init__(self, message: str, folder: str) -> None:
        super().__init__(message)
        self.folder = folder
