"""Shared domain helpers of the modules (working calendar, ...); no module of its own."""
