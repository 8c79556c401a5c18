"""The one ASGI web app: ops portal pages, module REST APIs, health and metrics."""
