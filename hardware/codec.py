"""Shared codec pieces: the error value every decoder returns, hex and bit-field helpers."""

from __future__ import annotations

from dataclasses import dataclass

_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")


@dataclass(frozen=True, slots=True)
class DecodeError:
    """Why a piece of wire input could not be decoded; returned instead of raising.

    ``reason`` is a short stable key for counting (``"bad_hex"``), ``detail`` says more for
    the log, ``line`` holds (a prefix of) the offending input.
    """

    reason: str
    detail: str = ""
    line: str = ""

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form for logs and capture decoding."""
        return {"type": "decode_error", "reason": self.reason, "detail": self.detail,
                "line": self.line}


def clip(text: str, limit: int = 120) -> str:
    """Shorten ``text`` for logs so a runaway line never floods them."""
    return text if len(text) <= limit else text[:limit] + "..."


def is_hex(text: str) -> bool:
    """True when ``text`` is non-empty and made of hex digits only."""
    return bool(text) and all(c in _HEX_DIGITS for c in text)


def hex_to_bits(hex_text: str, declared_bits: int) -> tuple[int, int] | DecodeError:
    """Turn a hex payload into (value, bit count), trusting the declared bit count.

    Radios pad to whole nibbles or bytes, so the hex may be longer than the declared
    bits (extra bits are dropped); an odd digit count is fine. A payload shorter than
    the declared bits is corrupt.
    """
    if declared_bits <= 0:
        return DecodeError("bad_length", f"declared bit count {declared_bits}", clip(hex_text))
    if not is_hex(hex_text):
        return DecodeError("bad_hex", "payload is not hexadecimal", clip(hex_text))
    available = len(hex_text) * 4
    if available < declared_bits:
        return DecodeError("payload_short",
                           f"declared {declared_bits} bits, payload has {available}",
                           clip(hex_text))
    value = int(hex_text, 16) >> (available - declared_bits)
    return value, declared_bits


class BitReader:
    """Reads big-endian bit fields from an integer holding ``nbits`` bits."""

    __slots__ = ("_nbits", "_pos", "_value")

    def __init__(self, value: int, nbits: int) -> None:
        self._value = value
        self._nbits = nbits
        self._pos = 0

    @classmethod
    def from_bytes(cls, data: bytes, nbits: int | None = None) -> BitReader:
        """Reader over ``data``; ``nbits`` limits it to the leading bits."""
        total = len(data) * 8
        value = int.from_bytes(data, "big")
        if nbits is not None and nbits < total:
            value >>= total - nbits
            total = nbits
        return cls(value, total)

    @property
    def remaining(self) -> int:
        """Bits not yet read."""
        return self._nbits - self._pos

    def read(self, width: int) -> int:
        """Next ``width`` bits as an unsigned int; raises IndexError past the end."""
        if width > self.remaining:
            raise IndexError(f"need {width} bits, {self.remaining} left")
        self._pos += width
        return (self._value >> (self._nbits - self._pos)) & ((1 << width) - 1)

    def read_signed(self, width: int) -> int:
        """Next ``width`` bits as a two's complement int."""
        raw = self.read(width)
        return raw - (1 << width) if raw & (1 << (width - 1)) else raw

    def read_bytes(self, count: int) -> bytes:
        """Next ``count`` whole bytes."""
        return self.read(count * 8).to_bytes(count, "big") if count else b""

    def rest_bytes(self) -> bytes:
        """Every remaining whole byte (a trailing part byte is dropped)."""
        return self.read_bytes(self.remaining // 8)


class BitWriter:
    """Builds a big-endian bit string field by field."""

    __slots__ = ("_nbits", "_value")

    def __init__(self) -> None:
        self._value = 0
        self._nbits = 0

    @property
    def nbits(self) -> int:
        """Bits written so far."""
        return self._nbits

    def write(self, value: int, width: int) -> BitWriter:
        """Append ``value`` in ``width`` bits (two's complement for negatives)."""
        mask = (1 << width) - 1
        self._value = (self._value << width) | (value & mask)
        self._nbits += width
        return self

    def write_bytes(self, data: bytes) -> BitWriter:
        """Append whole bytes."""
        return self.write(int.from_bytes(data, "big"), len(data) * 8) if data else self

    def to_bytes(self) -> bytes:
        """The bits, zero-padded at the end to a whole byte."""
        pad = -self._nbits % 8
        return (self._value << pad).to_bytes((self._nbits + pad) // 8, "big")

    def to_hex(self) -> str:
        """Upper-case hex of the bits padded to a whole byte, as AT+CMGS wants it."""
        return self.to_bytes().hex().upper()
