"""Who this worker process is, as written in claims and heartbeats."""

import os
import socket


def me() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"
