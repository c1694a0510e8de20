"""Bank statements in OFX (1.x SGML and 2.x XML), as French banks export them.
ofxtools reads the file; the transactions are taken from its element tree rather
than its strict model, because banks routinely break the spec (names longer than
32 characters, amounts with a decimal comma) and the payment must still be seen."""

from __future__ import annotations

import io
import re
from datetime import date

from ofxtools.Parser import OFXTree

from .bank_line import BankLine, Unreadable, finish, split_label, too_large
from .errors import ReadResult, RowError
from .limits import DEFAULT, LimitExceeded, Limits, refusing_over_limits
from .tabular import parse_decimal

_CONTROLS = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_BODY = re.compile(rb"<[^?]")
_BLANKS = re.compile(rb"[^\S\n]+")
_BREAKS = re.compile(rb"\s*\n\s*")
_CDATA, _CDATA_END = b"<![CDATA[", b"]]>"
_COMMENT, _COMMENT_END = b"<!--", b"-->"
# What a file that starts straight at <OFX> is given: the OFX 1 header, which
# ofxtools requires and which reads OFX 2 tags as well.
_HEADER = (
    b"OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\nSECURITY:NONE\nENCODING:USASCII\n"
    b"CHARSET:1252\nCOMPRESSION:NONE\nOLDFILEUID:NONE\nNEWFILEUID:NONE\n\n"
)


def _day(text: str) -> date:
    digits = text.strip()[:8]
    try:
        if len(digits) == 8 and digits.isdigit():
            return date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        pass
    raise Unreadable("Transaction %(row)s: “%(value)s” is not an OFX date", value=text)


@refusing_over_limits("OFX")
def read_ofx(data: bytes, limits: Limits = DEFAULT) -> ReadResult[BankLine]:
    if refused := too_large(data, limits):
        return refused
    if data.count(b"<") > 2 * limits.xml_elements:  # an opening and a closing tag
        raise LimitExceeded(
            0, "Too many XML elements: more than %(limit)s", limit=limits.xml_elements
        )
    tree = OFXTree()
    try:
        tree.parse(io.BytesIO(safe_for_ofxtools(data)))
        root = tree._root  # the parsed tree; convert() would enforce the spec
    except Unreadable as exc:  # ours, from safe_for_ofxtools: says where
        return ReadResult([], [exc.error(0, {})])
    except Exception:  # ofxtools raises many types, its messages are its own
        return ReadResult([], [RowError(0, UNREADABLE)])
    if root is None:
        return ReadResult([], [RowError(0, UNREADABLE)])
    records: list[BankLine] = []
    errors: list[RowError] = []
    row = 0
    statements = [*root.iter("STMTRS"), *root.iter("CCSTMTRS")]
    for stmt in statements:
        currency = (stmt.findtext("CURDEF") or "EUR").strip().upper()
        account = (stmt.findtext(".//ACCTID") or "").strip()
        for tx in stmt.iter("STMTTRN"):
            row += 1
            fields = {c.tag: (c.text or "").strip() for c in tx if len(c) == 0}
            # CURRENCY is an aggregate: the amount is in its CURSYM; under
            # ORIGCURRENCY it is still in the statement's CURDEF.
            own = (tx.findtext("CURRENCY/CURSYM") or "").strip().upper()
            try:
                records.append(_line(row, fields, own or currency, account))
            except Unreadable as exc:
                errors.append(exc.error(row, fields))
    if not statements:
        errors.append(RowError(0, "no bank statement (STMTRS) in the OFX file"))
    return finish(records, errors, {"format": "OFX"})


COMMENT_OPEN = "not a readable OFX file: comment not closed (byte %(at)s)"
CDATA_OPEN = "not a readable OFX file: CDATA section not closed (byte %(at)s)"
CDATA_MARKUP = "not a readable OFX file: markup inside a CDATA section (byte %(at)s)"


UNREADABLE = (
    "not a readable OFX file: its header or its tags are broken "
    "(export the statement again from the bank)"
)


def safe_for_ofxtools(data: bytes) -> bytes:
    """The file in a shape ofxtools reads in linear time. Its header patterns
    backtrack on runs of blanks (a first line of "<?xml" and 400 spaces took
    7 s, each further space more), so blanks before the body are collapsed;
    its tag pattern reads a CDATA section greedily to the end of the file, once
    per section (130 KB of unclosed sections took 27 s), so sections are
    unwrapped here in one pass. Control characters, blanks before the header
    and comments are dropped; a file with no header is given one."""
    data = _CONTROLS.sub(b"", data).removeprefix(b"\xef\xbb\xbf").lstrip()
    body = _BODY.search(data)
    at = body.start() if body else len(data)
    head = _BREAKS.sub(b"\n", _BLANKS.sub(b" ", data[:at]))
    if not head.strip():
        head = _HEADER
    return head + _unwrapped(_uncommented(data[at:]))


def _uncommented(body: bytes) -> bytes:
    """The body without its XML comments, in one pass."""
    if _COMMENT not in body:
        return body
    parts, at = [], 0
    while (start := body.find(_COMMENT, at)) != -1:
        end = body.find(_COMMENT_END, start + len(_COMMENT))
        if end == -1:
            raise Unreadable(COMMENT_OPEN, at=start)
        parts.append(body[at:start])
        at = end + len(_COMMENT_END)
    parts.append(body[at:])
    return b"".join(parts)


def _unwrapped(body: bytes) -> bytes:
    if _CDATA not in body:
        return body
    parts, at = [], 0
    while (start := body.find(_CDATA, at)) != -1:
        end = body.find(_CDATA_END, start)
        if end == -1:
            raise Unreadable(CDATA_OPEN, at=start)
        text = body[start + len(_CDATA) : end]
        if b"<" in text:
            raise Unreadable(CDATA_MARKUP, at=start)
        parts += [body[at:start], text]
        at = end + len(_CDATA_END)
    parts.append(body[at:])
    return b"".join(parts)


def _line(row: int, f: dict[str, str], currency: str, account: str) -> BankLine:
    if not f.get("DTPOSTED"):
        raise Unreadable("Transaction %(row)s has no date (DTPOSTED)")
    if not f.get("TRNAMT"):
        raise Unreadable("Transaction %(row)s has no amount (TRNAMT)")
    try:
        amount = parse_decimal(f["TRNAMT"])
    except ValueError:
        raise Unreadable(
            "Transaction %(row)s: “%(value)s” is not an amount", value=f["TRNAMT"]
        ) from None
    name, memo = f.get("NAME", ""), f.get("MEMO", "")
    payer, remittance = split_label(name)
    if payer:  # "VIR SEPA DE X MOTIF Y": the label carries both
        text = " ".join(
            x for x in (remittance if remittance != name else "", memo) if x
        )
    elif amount > 0 and not _is_label(name):
        payer, text = name, memo  # banks that put the payer alone in NAME
    else:
        text = " ".join(x for x in (name, memo) if x)
    return BankLine(
        row=row,
        booked=_day(f["DTPOSTED"]),
        amount=amount,
        currency=currency[:3] or "EUR",
        payer=payer,
        remittance=text,
        end_to_end=f.get("REFNUM", ""),
        bank_ref=f.get("FITID", ""),
        account=account,
    )


def _is_label(name: str) -> bool:
    """Bank wording such as "VIR SEPA RECU" rather than a payer's name."""
    return name.upper().startswith(("VIR", "VIREMENT", "PRLV", "CB ", "REM", "CHQ"))
