"""How long a trivial `relance` command takes from start to exit, wall clock and
CPU (user + system, which the other processes on a shared machine do not
inflate), on a data directory already set up. Prints figures, asserts nothing.

    .venv/bin/python bench/startup.py [--runs 7]
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RELANCE = str(Path(sys.executable).with_name("relance"))
COMMANDS = [
    ["python", "-c", "pass"],
    ["version"],
    ["status", "--json"],
    ["org", "--help"],
    ["timeline", "public-key"],
]


def run(cmd: list[str], env: dict) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    argv = [sys.executable, *cmd[1:]] if cmd[0] == "python" else [RELANCE, *cmd]
    subprocess.run(argv, env=env, check=False, capture_output=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def _unstamped(stamp: Path, env: dict) -> tuple[float, float]:
    """As before the stamp: the migration check on every command."""
    stamp.unlink()
    return run(["status", "--json"], env)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as data:
        env = {**os.environ, "RELANCE_DATA_DIR": data}
        env.pop("DATABASE_URL", None)
        first = run(["status", "--json"], env)  # creates and migrates
        stamp = Path(data) / "schema_checked"
        figures = {"first_command_s": round(first[0], 3)}
        for cmd in COMMANDS:
            walls, cpus = zip(*(run(cmd, env) for _ in range(runs)), strict=True)
            figures[" ".join(cmd)] = {
                "wall_median_s": round(statistics.median(walls), 3),
                "cpu_median_s": round(statistics.median(cpus), 3),
            }
        stamp.unlink()  # as before: the migration check on every command
        walls, cpus = zip(
            *(run(["status", "--json"], env) for _ in range(runs)), strict=True
        )
        figures["status --json, schema checked each time"] = {
            "wall_median_s": round(statistics.median(walls), 3),
            "cpu_median_s": round(statistics.median(cpus), 3),
        }
        figures["load_average"] = os.getloadavg()[0]
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
