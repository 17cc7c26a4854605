"""GSM 7-bit default alphabet (3GPP TS 23.038), the SDS text coding scheme 0.

Septets are packed least significant bit first into octets, as in GSM SMS. Characters
outside the alphabet and its extension table are sent as ``?``.
"""

from __future__ import annotations

_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_EXTENSION = {0x0A: "\f", 0x14: "^", 0x28: "{", 0x29: "}", 0x2F: "\\", 0x3C: "[", 0x3D: "~",
              0x3E: "]", 0x40: "|", 0x65: "€"}
_ESC = 0x1B
_TO_SEPTET = {ch: i for i, ch in enumerate(_BASIC) if i != _ESC}
_TO_EXTENSION = {ch: code for code, ch in _EXTENSION.items()}

assert len(_BASIC) == 128


def unpack_septets(data: bytes, count: int) -> list[int]:
    """The first ``count`` septets packed LSB-first in ``data`` (missing bits read as 0)."""
    value = int.from_bytes(data, "little")
    return [(value >> (7 * i)) & 0x7F for i in range(count)]


def pack_septets(septets: list[int]) -> bytes:
    """Pack septets LSB-first into the fewest octets."""
    value = 0
    for i, septet in enumerate(septets):
        value |= (septet & 0x7F) << (7 * i)
    return value.to_bytes((len(septets) * 7 + 7) // 8, "little")


def decode_gsm7(data: bytes, nbits: int) -> str:
    """Text from ``nbits`` bits of packed septets; an unknown escape becomes a space."""
    septets = unpack_septets(data, max(0, nbits) // 7)
    out: list[str] = []
    escape = False
    for septet in septets:
        if escape:
            out.append(_EXTENSION.get(septet, " "))
            escape = False
        elif septet == _ESC:
            escape = True
        else:
            out.append(_BASIC[septet])
    return "".join(out)


def encode_gsm7(text: str) -> tuple[bytes, int]:
    """Packed septets for ``text`` and their exact bit count."""
    septets: list[int] = []
    for ch in text:
        code = _TO_SEPTET.get(ch)
        if code is not None:
            septets.append(code)
        elif ch in _TO_EXTENSION:
            septets += [_ESC, _TO_EXTENSION[ch]]
        else:
            septets.append(_TO_SEPTET["?"])
    return pack_septets(septets), len(septets) * 7
