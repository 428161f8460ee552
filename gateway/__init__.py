"""swgw package."""
