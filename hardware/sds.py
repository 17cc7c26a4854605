"""SDS payloads: status values, simple and SDS-TL text, delivery reports, LIP; decode and encode.

The first payload byte is the protocol identifier (PID). PIDs from 0x80 carry an SDS-TL
header: message type (bits 7-4: 0 transfer, 1 report, 2 ack), delivery report request
(bits 3-2), short form (bit 1), store/forward (bit 0), then an 8-bit message reference.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

from hardware.codec import BitReader, BitWriter, DecodeError, clip
from hardware.gsm7 import decode_gsm7, encode_gsm7
from hardware.lip import PID_LIP, LipReport, decode_lip

PID_SIMPLE_TEXT = 0x02
PID_SIMPLE_LOCATION = 0x03
PID_SIMPLE_IMMEDIATE_TEXT = 0x09
PID_CONCATENATED = 0x0C
PID_TEXT = 0x82
PID_IMMEDIATE_TEXT = 0x89
PID_TEXT_UDH = 0x8A
SDS_TL_PIDS = frozenset({PID_TEXT, PID_IMMEDIATE_TEXT, PID_TEXT_UDH})

TL_TRANSFER = 0
TL_REPORT = 1
TL_ACK = 2

REPORT_NONE = 0
REPORT_RECEIVED = 1
REPORT_CONSUMED = 2
REPORT_BOTH = 3

CODING_GSM7 = 0
CODING_LATIN1 = 1
# Text coding schemes (EN 300 392-2 table 29.29) Python can decode; 0 is packed GSM 7-bit.
_CODINGS = {1: "latin-1", 2: "iso8859-2", 3: "iso8859-3", 4: "iso8859-4", 5: "iso8859-5",
            6: "iso8859-6", 7: "iso8859-7", 8: "iso8859-8", 9: "iso8859-9", 10: "iso8859-10",
            11: "iso8859-13", 12: "iso8859-14", 13: "iso8859-15", 14: "cp437", 15: "cp737",
            16: "cp850", 17: "cp852", 18: "cp855", 19: "cp857", 20: "cp860", 21: "cp861",
            22: "cp863", 23: "cp865", 24: "cp866", 25: "cp869", 26: "utf-16-be"}
for _name in _CODINGS.values():
    codecs.lookup(_name)


@dataclass(frozen=True, slots=True)
class StatusMessage:
    """A 16-bit status value; its meaning lives in reference data."""

    value: int


@dataclass(frozen=True, slots=True)
class TextMessage:
    """A text SDS; ``ref`` and ``report_request`` only for SDS-TL (PID 0x82/0x89/0x8A)."""

    text: str
    pid: int
    coding: int
    ref: int | None = None
    report_request: int = REPORT_NONE
    timestamp: int | None = None
    coding_fallback: bool = False
    part: tuple[int, int, int] | None = None  # (concatenation ref, total, sequence) from a UDH


@dataclass(frozen=True, slots=True)
class DeliveryReportMessage:
    """SDS-TL report (or short report) on a message we sent: delivered or why not."""

    ref: int
    status: int
    pid: int

    @property
    def delivered(self) -> bool:
        """Status codes 0x00-0x1F mean the message arrived (EN 300 392-2 table 29.16)."""
        return self.status < 0x20


@dataclass(frozen=True, slots=True)
class AckMessage:
    """SDS-TL acknowledgement of a report."""

    ref: int
    status: int
    pid: int


@dataclass(frozen=True, slots=True)
class LocationMessage:
    """A LIP short location report."""

    report: LipReport


SdsPayload = (StatusMessage | TextMessage | DeliveryReportMessage | AckMessage
              | LocationMessage)


def decode_status(value: int, nbits: int) -> StatusMessage | DecodeError:
    """Status SDS (AI service 13): the leading 16 bits are the value."""
    if nbits < 16:
        return DecodeError("status_short", f"status with {nbits} bits")
    return StatusMessage(value >> (nbits - 16))


def decode_text_body(data: bytes, nbits: int) -> tuple[str, int, int | None, bool] | DecodeError:
    """Text coding byte, optional 24-bit timestamp and text; (text, coding, timestamp, fallback)."""
    if nbits < 8:
        return DecodeError("text_short", "text without coding byte")
    reader = BitReader.from_bytes(data, nbits)
    has_timestamp = reader.read(1)
    coding = reader.read(7)
    timestamp = None
    if has_timestamp:
        if reader.remaining < 24:
            return DecodeError("text_short", "timestamp flag set but no timestamp")
        timestamp = reader.read(24)
    start = (nbits - reader.remaining) // 8
    text_bits = reader.remaining
    if coding == CODING_GSM7:
        return decode_gsm7(data[start:], text_bits), coding, timestamp, False
    raw = data[start:start + text_bits // 8]
    # Unknown schemes fall back to Latin-1 so the operator still sees something.
    text = raw.decode(_CODINGS.get(coding, "latin-1"), errors="replace")
    return text, coding, timestamp, coding not in _CODINGS


def decode_sds_tl(data: bytes, nbits: int) -> SdsPayload | DecodeError:
    """SDS-TL PDU (PID 0x82, 0x89, 0x8A): transfer, report or ack."""
    pid = data[0]
    if nbits < 24:
        return DecodeError("sds_tl_short", f"SDS-TL PDU with {nbits} bits")
    flags = data[1]
    kind = flags >> 4
    if kind == TL_REPORT:
        if nbits < 32:
            return DecodeError("sds_tl_short", "report without message reference")
        return DeliveryReportMessage(ref=data[3], status=data[2], pid=pid)
    if kind == TL_ACK:
        if nbits < 32:
            return DecodeError("sds_tl_short", "ack without message reference")
        return AckMessage(ref=data[3], status=data[2], pid=pid)
    if kind != TL_TRANSFER:
        return DecodeError("sds_tl_type", f"SDS-TL message type {kind} not supported")
    ref = data[2]
    offset = 3
    if flags & 0x01:
        forward = _store_forward_length(data, offset)
        if forward is None:
            return DecodeError("sds_tl_short", "store/forward control truncated")
        offset += forward
    body_bits = nbits - offset * 8
    body = data[offset:]
    part = None
    if pid == PID_TEXT_UDH:
        split = _split_udh(body, body_bits)
        if isinstance(split, DecodeError):
            return split
        body, body_bits, part = split
    decoded = decode_text_body(body, body_bits)
    if isinstance(decoded, DecodeError):
        return decoded
    text, coding, timestamp, fallback = decoded
    return TextMessage(text=text, pid=pid, coding=coding, ref=ref,
                       report_request=(flags >> 2) & 3, timestamp=timestamp,
                       coding_fallback=fallback, part=part)


def _store_forward_length(data: bytes, offset: int) -> int | None:
    """Bytes of the store/forward control block starting at ``offset``."""
    if len(data) <= offset:
        return None
    address_type = data[offset] & 0x07
    length = {0: 2, 1: 4, 2: 4, 7: 1}.get(address_type)
    if address_type == 3 and len(data) > offset + 1:
        length = 2 + (data[offset + 1] + 1) // 2
    if length is None or len(data) < offset + length:
        return None
    return length


def _split_udh(body: bytes, nbits: int,
               ) -> tuple[bytes, int, tuple[int, int, int] | None] | DecodeError:
    """Move a user data header out from between the text coding byte and the text."""
    if nbits < 16:
        return DecodeError("text_short", "no room for a user data header")
    header = 4 if body[0] & 0x80 else 1
    if nbits < (header + 1) * 8:
        return DecodeError("text_short", "user data header truncated")
    udh_len = body[header]
    end = header + 1 + udh_len
    if nbits < end * 8:
        return DecodeError("text_short", "user data header longer than payload")
    udh = body[header + 1:end]
    part = None
    i = 0
    while i + 1 < len(udh):
        element, length = udh[i], udh[i + 1]
        value = udh[i + 2:i + 2 + length]
        if element == 0x00 and len(value) == 3:
            part = (value[0], value[1], value[2])
        elif element == 0x08 and len(value) == 4:
            part = ((value[0] << 8) | value[1], value[2], value[3])
        i += 2 + length
    return body[:header] + body[end:], nbits - (1 + udh_len) * 8, part


def decode_sds(data: bytes, nbits: int) -> SdsPayload | DecodeError:
    """Decode an SDS type 4 payload (AI service 12) by its PID."""
    if nbits < 8 or not data:
        return DecodeError("sds_empty", "payload without protocol identifier")
    pid = data[0]
    if pid in SDS_TL_PIDS:
        return decode_sds_tl(data, nbits)
    if pid in (PID_SIMPLE_TEXT, PID_SIMPLE_IMMEDIATE_TEXT):
        decoded = decode_text_body(data[1:], nbits - 8)
        if isinstance(decoded, DecodeError):
            return decoded
        text, coding, _, fallback = decoded
        return TextMessage(text=text, pid=pid, coding=coding, coding_fallback=fallback)
    if pid == PID_LIP:
        report = decode_lip(data, nbits)
        return report if isinstance(report, DecodeError) else LocationMessage(report)
    if pid & 0xFC == 0x7C and nbits >= 16:
        # SDS-SHORT-REPORT: 2 received, 3 consumed; 0 and 1 are failures.
        kind = pid & 0x03
        return DeliveryReportMessage(ref=data[1], status=0x00 if kind >= 2 else 0x40 + kind,
                                     pid=pid)
    return DecodeError("pid_unsupported", f"protocol identifier 0x{pid:02X} not supported",
                       clip(data.hex().upper()))


def encode_status(value: int) -> tuple[str, int]:
    """Hex and bit count for a status SDS."""
    return f"{value & 0xFFFF:04X}", 16


def encode_text(text: str, ref: int, *, report: int = REPORT_RECEIVED,
                coding: int = CODING_LATIN1, pid: int = PID_TEXT) -> tuple[str, int]:
    """Hex and bit count for an SDS-TL text transfer asking for a delivery report.

    Characters the coding cannot carry are sent as ``?``.
    """
    # Bit 1 set: a full SDS-REPORT, not a short report; no store/forward.
    writer = BitWriter().write(pid, 8).write((TL_TRANSFER << 4) | (report << 2) | 0x02, 8)
    writer.write(ref & 0xFF, 8).write(0, 1).write(coding, 7)
    if coding == CODING_GSM7:
        packed, nbits = encode_gsm7(text)
        return _append_packed(writer, packed, nbits)
    writer.write_bytes(text.encode(_CODINGS.get(coding, "latin-1"), errors="replace"))
    return writer.to_hex(), writer.nbits


def _append_packed(writer: BitWriter, packed: bytes, nbits: int) -> tuple[str, int]:
    """Append packed septets so the payload is octet aligned and ``nbits`` long."""
    writer.write_bytes(packed)
    total = writer.nbits - (len(packed) * 8 - nbits)
    return writer.to_hex(), total


def encode_report(ref: int, status: int = 0x00, pid: int = PID_TEXT) -> tuple[str, int]:
    """Hex and bit count for an SDS-TL delivery report (used by the simulator)."""
    writer = BitWriter().write(pid, 8).write(TL_REPORT << 4, 8).write(status, 8).write(ref, 8)
    return writer.to_hex(), writer.nbits


def encode_simple_text(text: str, coding: int = CODING_LATIN1) -> tuple[str, int]:
    """Hex and bit count for a simple text SDS (PID 0x02)."""
    writer = BitWriter().write(PID_SIMPLE_TEXT, 8).write(coding, 8)
    writer.write_bytes(text.encode(_CODINGS.get(coding, "latin-1"), errors="replace"))
    return writer.to_hex(), writer.nbits
