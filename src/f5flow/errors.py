"""The one exception family of f5flow.

Every error a user can fix (bad input, bad configuration, files that do not fit together) is an
`F5flowError` whose message says what is wrong and what to do. Scripts turn exactly these into a
failed job with that message (`snakejob.run`); anything else is a bug and keeps its traceback.
"""


class F5flowError(Exception):
    """A problem the user can fix; the message names the cause and the fix."""
