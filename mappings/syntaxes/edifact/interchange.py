"""The UN/EDIFACT interchange an exchange agreement fixes: parties, syntax identifier (character set) and version.

Pure data and pure functions: the gateway builds an :class:`Interchange` from the partner agreement and passes it to
``map_forward`` / ``map_reverse``; nothing here reads configuration.

Syntax identifiers (ISO 9735, data element 0001) and how swgw encodes them:

=======  ==========================  ============================================================
UNOA     level A (ISO 646 subset)    ASCII bytes; outbound only upper-case letters, digits, space
                                     and ``. , - ( ) / = ' + : ? ! " % & * ; < >``
UNOB     level B (ISO 646 subset)    as UNOA plus lower-case letters
UNOC     ISO 8859-1                  latin-1
UNOD     ISO 8859-2                  latin-2
UNOE     ISO 8859-5                  Cyrillic
UNOF     ISO 8859-7                  Greek
UNOG..K  ISO 8859-3, -4, -6, -8, -9  (syntax version 4)
UNOW     ISO 10646-1, UTF-8          (syntax version 4)
UNOY     ISO 10646-1 without code    read and written as UTF-8 (syntax version 4)
         extension technique
=======  ==========================  ============================================================

UNOX (ISO 2022 code extension) is refused: decoding it needs escape-sequence state no agreement here asks for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mappings.errors import CharsetRefused

__all__ = ["Interchange", "SYNTAX_IDENTIFIERS", "decode_interchange", "encode_interchange"]

# Syntax identifier -> (Python codec, lowest syntax version that defines it).
_CODECS: dict[str, tuple[str, int]] = {
    "UNOA": ("ascii", 1),
    "UNOB": ("ascii", 1),
    "UNOC": ("latin-1", 3),
    "UNOD": ("iso8859-2", 3),
    "UNOE": ("iso8859-5", 3),
    "UNOF": ("iso8859-7", 3),
    "UNOG": ("iso8859-3", 4),
    "UNOH": ("iso8859-4", 4),
    "UNOI": ("iso8859-6", 4),
    "UNOJ": ("iso8859-8", 4),
    "UNOK": ("iso8859-9", 4),
    "UNOW": ("utf-8", 4),
    "UNOY": ("utf-8", 4),
}
SYNTAX_IDENTIFIERS: tuple[str, ...] = tuple(_CODECS)
"""Every syntax identifier swgw reads and writes, in ISO 9735 order."""

# ISO 9735 level A: upper-case letters, digits, space and these; level B adds lower-case letters.
_LEVEL_A = re.compile(r"[^A-Z0-9 .,\-()/='+:?!\"%&*;<>]")
_LEVEL_B = re.compile(r"[^A-Za-z0-9 .,\-()/='+:?!\"%&*;<>]")
_C1 = re.compile("[\x80-\x9f]")
_ID = re.compile(r"^[^\x00-\x1f'+:?*]{1,35}$")
_QUALIFIER = re.compile(r"^[A-Za-z0-9]{1,4}$")


@dataclass(frozen=True)
class Interchange:
    """The interchange envelope (UNB) an agreement fixes, and what it accepts inbound.

    Outbound, ``sender`` and ``recipient`` go into UNB S002 and S003 with their code qualifiers (0007), the syntax
    identifier and version into S001, and the preparation date in the version's format (CCYYMMDD for version 4,
    YYMMDD for version 3). Inbound, an interchange whose syntax identifier is not in ``accept`` is refused with
    ``CHARSET_REFUSED``. Invalid values raise :class:`ValueError` naming the field.
    """

    sender: str
    """Interchange sender identification (0004), e.g. our party id or the EDIFACT id the agreement names."""
    recipient: str
    """Interchange recipient identification (0010), the partner's id."""
    sender_qualifier: str | None = None
    """Partner identification code qualifier of the sender (0007), e.g. ``ZZZ``; omitted when None."""
    recipient_qualifier: str | None = None
    """Partner identification code qualifier of the recipient (0007); omitted when None."""
    syntax_identifier: str = "UNOC"
    """Syntax identifier written outbound (0001): the character set, see the module table."""
    syntax_version: int = 4
    """Syntax version number written outbound (0002): 4 (CCYYMMDD dates) or 3 (YYMMDD)."""
    accept: tuple[str, ...] = SYNTAX_IDENTIFIERS
    """Syntax identifiers accepted inbound."""

    def __post_init__(self) -> None:
        for name in ("sender", "recipient"):
            if not _ID.match(getattr(self, name)):
                raise ValueError(f"{name} must be 1 to 35 characters without EDIFACT separators")
        for name in ("sender_qualifier", "recipient_qualifier"):
            value = getattr(self, name)
            if value is not None and not _QUALIFIER.match(value):
                raise ValueError(f"{name} must be 1 to 4 letters or digits")
        if self.syntax_version not in (3, 4):
            raise ValueError("syntax_version must be 3 or 4")
        if self.syntax_identifier not in _CODECS:
            raise ValueError(f"syntax_identifier must be one of {', '.join(SYNTAX_IDENTIFIERS)}")
        if _CODECS[self.syntax_identifier][1] > self.syntax_version:
            raise ValueError(f"syntax_identifier {self.syntax_identifier} needs syntax_version 4")
        if not self.accept or any(a not in _CODECS for a in self.accept):
            raise ValueError(f"accept must list some of {', '.join(SYNTAX_IDENTIFIERS)}")

    @property
    def una(self) -> str:
        """The service string advice written before UNB.

        Version 4 names ``*`` as the repetition separator (so it is released in values); version 3 reserves the
        position with a space.
        """
        return "UNA:+.?*'" if self.syntax_version == 4 else "UNA:+.? '"


def encode_interchange(text: str, interchange: Interchange, where: dict[int, str]) -> bytes:
    """Encode an interchange in its syntax identifier's character set.

    ``where`` maps character offsets in ``text`` to the segment position written there, so that a value outside
    the character set is refused with ``CHARSET_REFUSED`` naming it.
    """
    syntax = interchange.syntax_identifier
    level = _LEVEL_A if syntax == "UNOA" else _LEVEL_B if syntax == "UNOB" else None
    bad: int | None = None
    if level is not None:
        m = level.search(text)
        bad = m.start() if m else None
    else:
        try:
            return text.encode(_CODECS[syntax][0])
        except UnicodeEncodeError as e:
            bad = e.start
    if bad is None:
        return text.encode("ascii")
    starts = [o for o in where if o <= bad]
    path = where[max(starts)] if starts else None
    raise CharsetRefused(
        f"character {text[bad]!r} cannot be written in syntax {syntax} (agree UNOW or UNOY for it)", path=path
    )


def decode_interchange(data: bytes, accept: tuple[str, ...]) -> tuple[str, str]:
    """Decode an interchange by the syntax identifier in its UNB; return (text, syntax identifier).

    Raises ``CHARSET_REFUSED`` for an identifier not in ``accept`` or unknown, or bytes outside its character set.
    Levels A and B are read as ASCII without checking their smaller repertoire (partners' lower case is common).
    """
    # The UNB's syntax identifier is ASCII in every character set swgw reads, so it can be found before decoding.
    head = bytes(data[:400])
    at = head.find(b"UNB")
    m = re.match(rb"UNB.(UNO[A-Z])", head[at:]) if at >= 0 else None
    if m is None:
        raise CharsetRefused("the UNB segment names no syntax identifier UNOx", path="UNB/e1/c1")
    syntax = m.group(1).decode("ascii")
    if syntax not in _CODECS:
        raise CharsetRefused(f"syntax identifier {syntax} is not supported", path="UNB/e1/c1")
    if syntax not in accept:
        raise CharsetRefused(
            f"syntax identifier {syntax} is not agreed (accepted: {', '.join(accept)})", path="UNB/e1/c1"
        )
    codec = _CODECS[syntax][0]
    try:
        text = bytes(data).decode(codec)
    except UnicodeDecodeError as e:
        raise CharsetRefused(f"byte {e.start} is not {syntax} ({codec}): {e.reason}") from e
    if codec.startswith(("latin", "iso8859")) and (c1 := _C1.search(text)) is not None:
        # ISO 8859 has no graphic characters there: such bytes are another encoding (often UTF-8) mislabelled.
        raise CharsetRefused(f"byte {c1.start()} (0x{ord(c1.group()):02X}) is no {syntax} character; is it UTF-8?")
    return text, syntax
