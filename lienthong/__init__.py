"""The composition root: the CLI, the app factory and the demo seed that wire the layers together."""
