"""Command line: python -m adapters.vdxp.simulator --port N --data DIR [--systems FILE]."""

from __future__ import annotations

from pathlib import Path

from adapters.axis.simulation import simulator_parser
from adapters.vdxp.settings import DEV_PORT
from adapters.vdxp.simulator.server import run_simulator


def main(argv: list[str] | None = None) -> None:
    """Parse arguments and serve the simulated axis."""
    parser = simulator_parser("python -m adapters.vdxp.simulator", __doc__, DEV_PORT)
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
