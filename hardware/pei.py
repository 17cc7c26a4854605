"""TETRA PEI (ETSI EN 300 392-5) line codec: results, unsolicited lines, +CTSDSR pairing, AT+CMGS.

Pure functions plus one small state machine (``PeiDecoder``) that pairs a ``+CTSDSR``
header with the hex line that follows it. Nothing here raises on wire input: bad input
comes back as a ``DecodeError``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hardware.codec import DecodeError, clip, hex_to_bits
from hardware.sds import SdsPayload, decode_sds, decode_status, encode_status, encode_text

AI_SDS_TL = 12
AI_STATUS = 13
CME_SYNTAX_ERROR = 35

SDS_TL_MODE = "AT+CTSDS=12,0,0,0,1"
STATUS_MODE = "AT+CTSDS=13,0"
CTRL_Z = "\x1a"

DEFAULT_INIT: tuple[str, ...] = (
    "AT+CTOM=0",
    "AT+CTSP=1,3,130",
    "AT+CTSP=1,3,131",
    "AT+CTSP=1,3,10",
    "AT+CTSP=1,2,20",
    "AT+CTSP=1,3,24",
    "AT+CTSP=1,3,25",
    "AT+CNUMF?",
)

# Unsolicited results a gateway logs without acting on them.
OTHER_UNSOLICITED = frozenset({"+CTICN", "+CTCC", "+CTXG", "+CDTXC", "+CTCR", "+CTGS", "+CTXD",
                               "+CTXI", "+CTXN", "+CREG", "+CTBCT", "+CTSDC"})

_HEX = re.compile(r"[0-9A-Fa-f]+")
_INT = re.compile(r"\s*-?\d+\s*")


@dataclass(frozen=True, slots=True)
class FinalResult:
    """End of a command: OK, ERROR, +CME ERROR: n or +CMS ERROR: n."""

    ok: bool
    kind: str
    code: int | None = None
    line: str = ""


@dataclass(frozen=True, slots=True)
class SdsHeader:
    """A parsed ``+CTSDSR`` line; identities are kept as the radio sent them."""

    ai_service: int
    calling: str
    called: str
    bits: int
    line: str

    @property
    def calling_issi(self) -> int | None:
        """The sender's ISSI (from a short ISSI or a 17-digit TSI)."""
        return issi_from_identity(self.calling)

    @property
    def called_issi(self) -> int | None:
        """The addressee's ISSI."""
        return issi_from_identity(self.called)


@dataclass(frozen=True, slots=True)
class SdsReceived:
    """A header paired with its payload line and the decoded payload."""

    header: SdsHeader
    payload: SdsPayload
    hex: str


@dataclass(frozen=True, slots=True)
class CmgsReply:
    """``+CMGS: <instance>[,<status>[,<ref>]]``, the radio's answer to AT+CMGS."""

    instance: int
    status: int | None
    ref: int | None


@dataclass(frozen=True, slots=True)
class OtherUnsolicited:
    """An unsolicited result the gateway only logs (calls, group selection...)."""

    prefix: str
    line: str


@dataclass(frozen=True, slots=True)
class ResponseLine:
    """Any other line: an intermediate response if a command is waiting, else unexpected."""

    line: str


@dataclass(frozen=True, slots=True)
class CommandEcho:
    """The radio echoing our command (echo on)."""

    line: str


PeiItem = (FinalResult | SdsReceived | CmgsReply | OtherUnsolicited | ResponseLine | CommandEcho
           | DecodeError)


def issi_from_identity(identity: str) -> int | None:
    """ISSI from a short ISSI or a TSI (MCC 4 + MNC 5 + ISSI 8 digits); None if not numeric."""
    digits = identity.strip()
    if not digits.isdigit() or not digits.isascii():
        return None
    return int(digits[-8:])


def _to_int(text: str) -> int | None:
    return int(text) if _INT.fullmatch(text) else None


def parse_final(line: str) -> FinalResult | None:
    """The final result in ``line``, or None if it is not one."""
    if line == "OK":
        return FinalResult(True, "OK", line=line)
    if line.startswith("ERROR"):
        return FinalResult(False, "ERROR", line=line)
    if line.startswith("+CME ERROR"):
        return FinalResult(False, "CME", _to_int(line[11:]), line)
    if line.startswith("+CMS ERROR"):
        return FinalResult(False, "CMS", _to_int(line[11:]), line)
    return None


def parse_sds_header(line: str) -> SdsHeader | DecodeError:
    """Parse ``+CTSDSR: <AI>,<calling>,<type>,<called>,<type>,<bits>[,<e2e>]`` (3 to 7 fields).

    Shorter forms seen in the wild: ``AI,called,bits``, ``AI,called,type,bits`` and
    ``AI,calling,type,called,bits``.
    """
    fields = [f.strip() for f in line[8:].split(",")]
    count = len(fields)
    calling = ""
    if count == 3:
        called, bits_field = fields[1], fields[2]
    elif count == 4:
        called, bits_field = fields[1], fields[3]
    elif count == 5:
        calling, called, bits_field = fields[1], fields[3], fields[4]
    elif count in (6, 7):
        calling, called, bits_field = fields[1], fields[3], fields[5]
    else:
        return DecodeError("header_fields", f"+CTSDSR with {count} fields", clip(line))
    ai = _to_int(fields[0])
    bits = _to_int(bits_field)
    if ai is None or bits is None:
        return DecodeError("header_fields", "non-numeric AI service or bit count", clip(line))
    if not 0 < bits <= 4096:
        return DecodeError("bad_length", f"declared bit count {bits}", clip(line))
    return SdsHeader(ai, calling, called, bits, line)


def decode_payload(header: SdsHeader, hex_line: str) -> SdsReceived | DecodeError:
    """Decode the hex line that followed ``header``, by the header's declared bits."""
    bits = hex_to_bits(hex_line, header.bits)
    if isinstance(bits, DecodeError):
        return bits
    value, nbits = bits
    payload: SdsPayload | DecodeError
    if header.ai_service == AI_STATUS:
        payload = decode_status(value, nbits)
    elif header.ai_service == AI_SDS_TL:
        pad = -nbits % 8
        payload = decode_sds((value << pad).to_bytes((nbits + pad) // 8, "big"), nbits)
    else:
        return DecodeError("ai_service_unsupported",
                           f"AI service {header.ai_service} not supported", clip(hex_line))
    if isinstance(payload, DecodeError):
        return DecodeError(payload.reason, payload.detail, clip(hex_line))
    return SdsReceived(header, payload, hex_line)


def parse_cmgs(line: str) -> CmgsReply | DecodeError:
    """Parse ``+CMGS: 0,4,65``."""
    fields = [_to_int(f) for f in line[6:].split(",")]
    if not fields or fields[0] is None or len(fields) > 3:
        return DecodeError("cmgs_fields", "unreadable +CMGS reply", clip(line))
    status = fields[1] if len(fields) > 1 else None
    ref = fields[2] if len(fields) > 2 else None
    return CmgsReply(fields[0], status, ref)


def parse_cnumf(line: str) -> str | None:
    """Own identity from ``+CNUMF: 6,09011638300023401``."""
    fields = line.partition(":")[2].split(",")
    return fields[1].strip() if len(fields) > 1 else None


class PeiDecoder:
    """Turns received lines into PEI items, pairing each +CTSDSR header with its payload.

    A header waits for a hex line until ``payload_timeout`` seconds pass or
    ``max_lines_between`` other lines arrive; then it is reported as a DecodeError.
    """

    __slots__ = ("_deadline", "_header", "_lines_between", "max_lines_between",
                 "payload_timeout")

    def __init__(self, payload_timeout: float = 2.0, max_lines_between: int = 3) -> None:
        self.payload_timeout = payload_timeout
        self.max_lines_between = max_lines_between
        self._header: SdsHeader | None = None
        self._deadline = 0.0
        self._lines_between = 0

    @property
    def waiting(self) -> bool:
        """True while a header waits for its payload line."""
        return self._header is not None

    def reset(self) -> list[PeiItem]:
        """Forget a waiting header (the link went down); reports it as lost."""
        return self._drop("header_without_payload", "link lost before payload")

    def expire(self, now: float) -> list[PeiItem]:
        """Report a header whose payload did not come in time."""
        if self._header is not None and now >= self._deadline:
            return self._drop("header_without_payload", "no payload line before deadline")
        return []

    def _drop(self, reason: str, detail: str) -> list[PeiItem]:
        header, self._header = self._header, None
        return [] if header is None else [DecodeError(reason, detail, clip(header.line))]

    def feed(self, line: str, now: float = 0.0) -> list[PeiItem]:
        """Decode one line (terminators and control bytes already removed)."""
        if not line:
            return []
        out: list[PeiItem] = []
        header = self._header
        if header is not None:
            if now >= self._deadline:
                out += self._drop("header_without_payload", "no payload line before deadline")
            elif _HEX.fullmatch(line):
                self._header = None
                out.append(decode_payload(header, line))
                return out
        first = line[0]
        if first == "+":
            prefix = line.partition(":")[0]
            if prefix == "+CTSDSR":
                out += self._drop("header_without_payload", "next header came first")
                parsed = parse_sds_header(line)
                if isinstance(parsed, DecodeError):
                    out.append(parsed)
                else:
                    self._header = parsed
                    self._deadline = now + self.payload_timeout
                    self._lines_between = 0
                return out
            if prefix in OTHER_UNSOLICITED:
                out.append(OtherUnsolicited(prefix, line))
            elif prefix == "+CMGS":
                out.append(parse_cmgs(line))
            else:
                out.append(parse_final(line) or ResponseLine(line))
        elif line == "OK" or line.startswith("ERROR"):
            out.append(FinalResult(line == "OK", "OK" if line == "OK" else "ERROR", line=line))
        elif first in "Aa" and line[:2].upper() == "AT":
            out.append(CommandEcho(line))
        else:
            out.append(ResponseLine(line))
        if self._header is not None:
            self._lines_between += 1
            if self._lines_between > self.max_lines_between:
                out += self._drop("header_without_payload", "too many lines before payload")
        return out


def cmgs_command(issi: int | str, hex_payload: str, bits: int) -> str:
    """``AT+CMGS=<ISSI>,<bits>`` CR LF hex Ctrl-Z, as one write."""
    return f"AT+CMGS={issi},{bits}\r\n{hex_payload}{CTRL_Z}"


def status_command(issi: int | str, value: int) -> str:
    """The AT+CMGS write that sends a status value."""
    hex_payload, bits = encode_status(value)
    return cmgs_command(issi, hex_payload, bits)


def text_command(issi: int | str, text: str, ref: int) -> str:
    """The AT+CMGS write that sends ``text`` over SDS-TL asking for a delivery report."""
    hex_payload, bits = encode_text(text, ref)
    return cmgs_command(issi, hex_payload, bits)
