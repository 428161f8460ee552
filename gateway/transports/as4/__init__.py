"""The AS4 (ebMS 3.0, eDelivery AS4 profile) transport: the wire format shared by the inbound endpoint and the
outbound client (:mod:`.ebms`, :mod:`.signals`, :mod:`.errors`; WS-Security is :mod:`trust.wssec`) and the
HTTPS endpoint itself."""
