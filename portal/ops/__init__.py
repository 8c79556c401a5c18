"""The ops portal: server-rendered pages (`pages`), the JSON API (`api`), /healthz and /metrics.

The pages and the API share `service` (figures, dead letters, users) and `queries` (journal, audit).
"""
