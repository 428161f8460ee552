"""Builders for the repository contract tests: envelopes, receipts and throw-away databases."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from gateway.adapters.persistence import MemoryMessageRepository, SqlMessageRepository, create_engine_for, migrate
from gateway.core.domain import (
    Action,
    Attachment,
    BusinessKey,
    DocumentType,
    Envelope,
    PartyId,
    Receipt,
    ReceiptOutcome,
    Signature,
    VerifiedReceipt,
    sha256_hex,
)

#: The implementations under contract.
Repository = MemoryMessageRepository | SqlMessageRepository

T0 = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
SIGNATURE = Signature("x.y.z")


def at(seconds: float) -> datetime:
    """T0 plus ``seconds``."""
    return T0 + timedelta(seconds=seconds)


def envelope(
    number: str = "CO-1",
    version: int = 1,
    *,
    message_id: str | None = None,
    issuer: str = "CN-CIQ",
    sender: str = "CN",
    receiver: str = "HK",
    document_type: DocumentType = DocumentType.CERTIFICATE_OF_ORIGIN,
    action: Action = Action.ISSUE,
    attachments: tuple[Attachment, ...] = (),
    refers_to: BusinessKey | None = None,
    created_at: datetime = T0,
) -> Envelope:
    """An envelope with a dummy signature (the repository never verifies)."""
    payload = f"<doc number='{number}' version='{version}'/>".encode()
    return Envelope(
        message_id=message_id or str(uuid.uuid4()),
        business_key=BusinessKey(issuer, number, version),
        sender=PartyId(sender),
        receiver=PartyId(receiver),
        document_type=document_type,
        document_format="urn:swgw:format:test",
        action=action,
        created_at=created_at,
        payload=payload,
        payload_sha256=sha256_hex(payload),
        attachments=attachments,
        refers_to=refers_to,
        signature=SIGNATURE,
    )


def _signer() -> x509.Certificate:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "HK Gateway Document Signing")])
    return (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(T0).not_valid_after(T0 + timedelta(days=1))
            .sign(key, hashes.SHA256()))


#: Stands for the certificate a partner's receipt was verified with (the repository only carries it).
SIGNER = _signer()


def verified_receipt(env: Envelope, answer: Receipt | None = None) -> VerifiedReceipt:
    """The partner's receipt for ``env`` (by default an ACCEPTED one from HK) as the dispatcher hands it over after
    verifying it."""
    return VerifiedReceipt(receipt=answer or receipt(env, issuer="HK"), signer=SIGNER)


def receipt(env: Envelope, outcome: ReceiptOutcome = ReceiptOutcome.ACCEPTED, *, issuer: str = "CN") -> Receipt:
    """A receipt for ``env`` issued by ``issuer``."""
    return Receipt(
        message_id=env.message_id,
        receipt_id=str(uuid.uuid4()),
        issuer=PartyId(issuer),
        outcome=outcome,
        payload_sha256=env.payload_sha256,
        received_at=T0,
        signature=SIGNATURE,
    )


@contextmanager
def postgres_schema_engine(url: str) -> Iterator[Engine]:
    """A migrated engine on a fresh PostgreSQL schema, dropped afterwards, so that test runs never collide."""
    schema = f"swgw_test_{uuid.uuid4().hex[:16]}"
    admin = create_engine_for(url)
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        scoped = make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
        engine = create_engine_for(scoped.render_as_string(hide_password=False))
        try:
            migrate(engine)
            yield engine
        finally:
            engine.dispose()
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    finally:
        admin.dispose()
