"""Command line: python -m adapters.vdxp.simulator --port N --data DIR [--systems FILE]."""

from __future__ import annotations

import argparse
from pathlib import Path

from adapters.vdxp.settings import DEV_PORT
from adapters.vdxp.simulator.server import run_simulator


def main(argv: list[str] | None = None) -> None:
    """Parse arguments and serve the simulated axis."""
    parser = argparse.ArgumentParser(prog="python -m adapters.vdxp.simulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=DEV_PORT)
    parser.add_argument("--data", type=Path, default=None, help="folder that keeps documents across restarts")
    parser.add_argument(
        "--systems",
        type=Path,
        default=None,
        help="JSON/YAML {systemid: secret | {secret, agencies}}; default $LIENTHONG_VDXP_SIM_SYSTEMS or dev",
    )
    args = parser.parse_args(argv)
    run_simulator(args.host, args.port, args.data, args.systems)


if __name__ == "__main__":
    main()
