"""Partner trust persisted through the trust repository port, and the keyring of our own signing identities."""
