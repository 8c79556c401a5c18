"""Adapters to external interconnect axes (national VDXP, Hanoi LGSP) and their simulators."""
