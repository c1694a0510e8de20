"""One structured line per job (JSON on standard error), for journald, docker
logs or any collector."""

import json
import sys
from datetime import UTC, datetime

from relance.output import _default


def log_job(job: str, **fields) -> None:
    line = {"at": datetime.now(UTC).isoformat(timespec="seconds"), "job": job}
    line.update(fields)
    print(json.dumps(line, default=_default, ensure_ascii=False), file=sys.stderr)
    sys.stderr.flush()
