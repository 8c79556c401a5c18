"""Build a module from a setup function, for tests."""

from __future__ import annotations

from collections.abc import Callable

from hub.module import Module
from hub.runtime import Hub


class FnModule(Module):
    def __init__(self, name: str, setup: Callable[[Hub], None]) -> None:
        self.name = name
        self._setup = setup

    def setup(self, hub: Hub) -> None:
        self._setup(hub)
