"""Progress for long command-line work, on a terminal only: a script, a pipe
or --json sees nothing of it."""

import sys


class Progress:
    def __init__(self, label: str, total: int, enabled: bool = True):
        self.label, self.total, self.done = label, total, 0
        self.enabled = enabled and sys.stderr.isatty()

    def step(self, n: int = 1) -> None:
        self.done += n
        if self.enabled:
            print(f"\r{self.label}: {self.done}/{self.total}", end="", file=sys.stderr)

    def close(self) -> None:
        if self.enabled:
            print(file=sys.stderr)
