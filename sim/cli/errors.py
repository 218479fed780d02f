"""How the command reports bad input: the exit code, the error it raises, and messages kept to
one printable line."""

from __future__ import annotations

import re

EXIT_USAGE = 2


class UsageError(Exception):
    """A command-line argument is invalid (reported with exit code 2)."""


def one_line(text: str) -> str:
    """``text`` as one printable line: line breaks and other control characters escaped, and
    characters the terminal cannot take (undecodable bytes of a file name) as escapes."""
    text = re.sub("[\x00-\x1f\x7f-\x9f\u2028\u2029]", lambda m: repr(m.group())[1:-1],
                  str(text))
    return text.encode("utf-8", "backslashreplace").decode("utf-8")
