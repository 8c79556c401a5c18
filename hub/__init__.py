"""The bus runtime of Lienthong: NATS JetStream topology, routing, reliable consumers, journal, CLI."""
