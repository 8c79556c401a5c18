"""The 3-node loopback cluster of the chaos tests (hub.embedded.NatsCluster)."""

from hub.embedded import NatsCluster as Cluster

__all__ = ["Cluster"]
