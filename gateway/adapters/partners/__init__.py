"""Partner transports behind :class:`gateway.core.ports.PartnerTransport`: the swgw gRPC client and its twin."""
