"""The container's health probe: the web app answers /healthz at all (200, or
503 when something is stuck, which `relance status` details). A stuck worker
must not make the web app's container unhealthy, or nothing would restart it.

    python -m relance.ops.probe [URL]
"""

import sys
import urllib.error
import urllib.request


def main(url: str = "http://127.0.0.1:8000/healthz") -> int:
    try:
        urllib.request.urlopen(url, timeout=4)
    except urllib.error.HTTPError as exc:
        return 0 if exc.code == 503 else 1
    except OSError:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
