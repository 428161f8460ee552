from . import certificate_ledger_pb2
from . import domestic_exchange_pb2
from . import envelope_pb2
from . import operator_pb2
from . import partner_exchange_pb2
