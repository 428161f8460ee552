"""gRPC transports: servicers, the partner client, the codec and the one error-to-status translation."""
