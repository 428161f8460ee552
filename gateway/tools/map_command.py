"""``swgw map``: the mapping engine on the command line, offline."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime

from .cli import read_input, load_settings

__all__ = ["run"]


def run(args: argparse.Namespace) -> int:
    """``swgw map``: map a catalog record to a partner format, or (``--reverse``) a partner document back."""
    import mappings

    from ..core.domain import DocumentType

    profile = args.profile
    interchange: mappings.Interchange | None = None
    if args.partner is not None and args.config:
        settings = load_settings(args.config)
        partner = settings.partner(args.partner)
        profile = profile or partner.mapping_profile(DocumentType(args.type))
        interchange = partner.interchange(settings.party)
    if profile is None:
        raise SystemExit("swgw: give --profile, or --partner with --config")
    if interchange is None and (args.sender or args.recipient):
        try:
            interchange = mappings.Interchange(sender=args.sender or "", recipient=args.recipient or "",
                                               syntax_identifier=args.syntax, syntax_version=args.syntax_version)
        except ValueError as e:
            raise SystemExit(f"swgw: {e}") from None
    try:
        edifact = mappings.get_profile(profile).syntax == "edifact"
    except mappings.MappingError:
        edifact = False  # the mapping call below reports the unknown profile
    if interchange is None and not args.reverse and edifact:
        raise SystemExit("swgw: an EDIFACT interchange carries the agreement's UNB: give --partner with --config, "
                         "or --sender and --recipient")
    data = read_input(args.file)
    # The agreements' validity periods are checked as of now, or as of --at for an older document.
    at = args.at or datetime.now(UTC)
    try:
        if args.reverse:
            result = mappings.map_reverse(data, profile, at=at, interchange=interchange)
            print(json.dumps(result.record, indent=2, ensure_ascii=False))
        else:
            forward = mappings.map_forward(mappings.parse_record(data), profile, at=at, interchange=interchange)
            sys.stdout.buffer.write(forward.document)
            report = forward.report
            print(json.dumps(report.to_dict(), indent=2, ensure_ascii=False), file=sys.stderr)
            return 0
    except mappings.MappingError as e:
        body: dict[str, object] = {"code": e.code, "message": e.message, "path": e.path}
        if e.report is not None:
            body["report"] = e.report.to_dict()
        print(json.dumps(body, indent=2, ensure_ascii=False), file=sys.stderr)
        return 1
    print(json.dumps(result.report.to_dict(), indent=2, ensure_ascii=False), file=sys.stderr)
    return 0
