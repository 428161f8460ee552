"""The top floor, for people: the ``swgw`` command, the admin and domestic client, the demo, the development PKI
set-up and offline verification."""
