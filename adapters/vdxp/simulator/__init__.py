"""A real HTTP server speaking the national axis protocol, for the demo, chaos tests and two-hub exchanges."""

from adapters.vdxp.settings import DEV_SECRET, DEV_SYSTEM_ID
from adapters.vdxp.simulator.accounts import SystemAccount, load_systems
from adapters.vdxp.simulator.app import Simulator, create_app
from adapters.vdxp.simulator.faults import FaultSpec
from adapters.vdxp.simulator.server import SimulatorServer, build_simulator, run_simulator

__all__ = [
    "DEV_SECRET",
    "DEV_SYSTEM_ID",
    "FaultSpec",
    "Simulator",
    "SimulatorServer",
    "SystemAccount",
    "build_simulator",
    "create_app",
    "load_systems",
    "run_simulator",
]
