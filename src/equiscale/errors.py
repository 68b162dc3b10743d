"""The one exception type users see: a bad input, reported as one line with exit code 2."""


class EquiscaleError(Exception):
    """A problem with the user's input (arguments, files, plans, data).

    The CLI prints ``error: <message>`` on one line and exits with code 2; no traceback.
    Raise it with a message that names the offending thing and what was expected.
    """
