"""Transports: the gRPC servicers, the codec, the one error-to-status translation, and the web console (`console/`)."""
