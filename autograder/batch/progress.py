"""A progress bar on stderr: redrawn in place on a terminal, one line per submission otherwise."""
import re
import sys
import time
import unicodedata

from ..report import gradebook

WIDTH = 30
# Terminal escape sequences (CSI, OSC, other ESC sequences), then any control character left.
ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]?|\x9b[0-?]*[ -/]*[@-~]")


def printable(text):
    """text safe to show on a terminal: escape sequences, control and bidirectional-override
    characters removed, undecodable bytes of file names as \\xNN."""
    text = ESCAPES.sub("", gradebook.text(text))
    return "".join(c for c in text if unicodedata.category(c) not in ("Cc", "Cf", "Cs") or c == " ")


def duration(seconds):
    """'42.0 s' or '3 min 05 s'."""
    return f"{seconds:.1f} s" if seconds < 60 else f"{int(seconds // 60)} min {int(seconds % 60):02d} s"


class Progress:
    """Counts finished submissions out of total and shows it.

    Inputs:
    - total: int, submissions to grade.
    - stream: text stream, default sys.stderr.
    """

    def __init__(self, total, stream=None):
        self.total, self.done = total, 0
        self.stream = stream or sys.stderr
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.start = time.monotonic()
        if self.tty and total:
            self._draw("")

    def _draw(self, label):
        filled = WIDTH * self.done // max(self.total, 1)
        bar = "#" * filled + "." * (WIDTH - filled)
        elapsed = duration(time.monotonic() - self.start)
        self.stream.write(f"\r\033[K[{bar}] {self.done}/{self.total} {elapsed}  {printable(label)}"[:200])
        self.stream.flush()

    def advance(self, label):
        """One more submission finished; label says which and how (e.g. 'alice: 87.5 / 100 (1.2 s)')."""
        self.done += 1
        if self.tty:
            self._draw(label)
            if self.done == self.total:
                self.stream.write("\n")
        else:
            width = len(str(self.total))
            self.stream.write(f"[{self.done:>{width}}/{self.total}] {printable(label)}\n")
        self.stream.flush()

    def close(self, line):
        """The closing line (counts and time)."""
        if self.tty and self.done < self.total:  # the bar is still on its line
            self.stream.write("\n")
        self.line(line)

    def line(self, text):
        """One more line below the bar (made printable)."""
        self.stream.write(printable(text) + "\n")
        self.stream.flush()
