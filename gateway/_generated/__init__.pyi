from . import swgw
