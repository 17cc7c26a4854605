"""PEI line codec and SDS payloads, from the examples in specs/radio-gateways.md."""

from __future__ import annotations

import pytest

from hardware.codec import BitReader, BitWriter, DecodeError, hex_to_bits
from hardware.gsm7 import decode_gsm7, encode_gsm7
from hardware.pei import (
    CmgsReply,
    CommandEcho,
    FinalResult,
    OtherUnsolicited,
    PeiDecoder,
    ResponseLine,
    SdsReceived,
    cmgs_command,
    issi_from_identity,
    parse_cnumf,
    parse_final,
    parse_sds_header,
    status_command,
    text_command,
)
from hardware.sds import (
    CODING_GSM7,
    PID_TEXT,
    REPORT_RECEIVED,
    AckMessage,
    DeliveryReportMessage,
    LocationMessage,
    StatusMessage,
    TextMessage,
    decode_sds,
    encode_report,
    encode_text,
)


def feed_all(lines: list[str], decoder: PeiDecoder | None = None) -> list[object]:
    decoder = decoder or PeiDecoder()
    out: list[object] = []
    for line in lines:
        out += decoder.feed(line)
    return out


def test_status_example_from_spec() -> None:
    items = feed_all(["+CTSDSR: 13,1234567,0,2345678,0,16", "8004"])
    assert len(items) == 1
    item = items[0]
    assert isinstance(item, SdsReceived)
    assert item.payload == StatusMessage(0x8004)
    assert item.header.calling_issi == 1234567
    assert item.header.called_issi == 2345678


def test_simple_text_example_from_spec() -> None:
    items = feed_all(["+CTSDSR: 12,1234567,0,2345678,0,104", "0201746573746D657373616765"])
    assert isinstance(items[0], SdsReceived)
    payload = items[0].payload
    assert isinstance(payload, TextMessage)
    assert payload.text == "testmessage"
    assert payload.pid == 0x02
    assert payload.ref is None


def test_status_send_example_from_spec() -> None:
    assert status_command(1234567, 0x8004) == "AT+CMGS=1234567,16\r\n8004\x1a"
    assert cmgs_command(1234567, "8004", 16) == "AT+CMGS=1234567,16\r\n8004\x1a"


@pytest.mark.parametrize(("line", "expected"), [
    ("OK", FinalResult(True, "OK", None, "OK")),
    ("ERROR", FinalResult(False, "ERROR", None, "ERROR")),
    ("+CME ERROR: 35", FinalResult(False, "CME", 35, "+CME ERROR: 35")),
    ("+CME ERROR: 120", FinalResult(False, "CME", 120, "+CME ERROR: 120")),
    ("+CME ERROR: 46", FinalResult(False, "CME", 46, "+CME ERROR: 46")),
    ("+CME ERROR: unknown", FinalResult(False, "CME", None, "+CME ERROR: unknown")),
    ("+CMS ERROR: 304", FinalResult(False, "CMS", 304, "+CMS ERROR: 304")),
])
def test_final_results(line: str, expected: FinalResult) -> None:
    assert parse_final(line) == expected
    assert feed_all([line]) == [expected]


def test_not_final() -> None:
    assert parse_final("+CNUMF: 6,09011638300023401") is None
    assert parse_final("OKAY?") is None


def test_cmgs_reply_and_cnumf() -> None:
    assert feed_all(["+CMGS: 0,4,65"]) == [CmgsReply(0, 4, 65)]
    assert feed_all(["+CMGS: 0"]) == [CmgsReply(0, None, None)]
    bad = feed_all(["+CMGS: x,y"])[0]
    assert isinstance(bad, DecodeError) and bad.reason == "cmgs_fields"
    assert parse_cnumf("+CNUMF: 6,09011638300023401") == "09011638300023401"
    assert parse_cnumf("+CNUMF:") is None


@pytest.mark.parametrize("prefix", ["+CTICN", "+CTCC", "+CTXG", "+CDTXC", "+CTCR", "+CTGS"])
def test_other_unsolicited(prefix: str) -> None:
    line = f"{prefix}: 1,0,0,4,1,0,1,1,0,0,0,1234567,0"
    assert feed_all([line]) == [OtherUnsolicited(prefix, line)]


def test_echo_and_other_lines() -> None:
    assert feed_all(["AT+CTOM=0"]) == [CommandEcho("AT+CTOM=0")]
    assert feed_all(["+CTOM: 0"]) == [ResponseLine("+CTOM: 0")]
    assert feed_all(["8004"]) == [ResponseLine("8004")]


@pytest.mark.parametrize(("identity", "issi"), [
    ("1234567", 1234567), ("09011638312345678", 12345678), ("0901163830001001", 30001001),
    ("", None), ("12ab", None), ("١٢٣", None),
])
def test_issi_from_identity(identity: str, issi: int | None) -> None:
    assert issi_from_identity(identity) == issi


@pytest.mark.parametrize(("line", "calling", "called", "bits"), [
    ("+CTSDSR: 12,2345678,16", "", "2345678", 16),
    ("+CTSDSR: 12,2345678,0,16", "", "2345678", 16),
    ("+CTSDSR: 12,1234567,0,2345678,16", "1234567", "2345678", 16),
    ("+CTSDSR: 12,1234567,0,2345678,0,16", "1234567", "2345678", 16),
    ("+CTSDSR: 12,1234567,0,2345678,0,16,0", "1234567", "2345678", 16),
    ("+CTSDSR:12, 09011638312345678 ,1,2345678,0, 84", "09011638312345678", "2345678", 84),
])
def test_header_field_counts(line: str, calling: str, called: str, bits: int) -> None:
    header = parse_sds_header(line)
    assert not isinstance(header, DecodeError)
    assert (header.calling, header.called, header.bits) == (calling, called, bits)


@pytest.mark.parametrize("line", ["+CTSDSR: 12", "+CTSDSR: 12,1", "+CTSDSR: a,1,0,2,0,16",
                                  "+CTSDSR: 12,1,0,2,0,x", "+CTSDSR: 12,1,0,2,0,0",
                                  "+CTSDSR: 12,1,0,2,0,16,0,9,9", "+CTSDSR: 12,1,0,2,0,999999"])
def test_bad_headers(line: str) -> None:
    assert isinstance(parse_sds_header(line), DecodeError)
    assert all(isinstance(x, DecodeError) for x in feed_all([line]))


def test_declared_bits_rule_the_hex_length() -> None:
    # An 84-bit LIP report as 21 or as 22 hex digits decodes the same.
    for hex_payload in ("0A0088BD4247F737FFE810", "0A0088BD4247F737FFE81"):
        items = feed_all(["+CTSDSR: 12,1001,0,2345678,0,84", hex_payload])
        assert isinstance(items[0], SdsReceived)
        assert isinstance(items[0].payload, LocationMessage)
    short = feed_all(["+CTSDSR: 12,1001,0,2345678,0,104", "0201"])[0]
    assert isinstance(short, DecodeError) and short.reason == "payload_short"
    assert hex_to_bits("80041", 16) == (0x8004, 16)
    assert isinstance(hex_to_bits("80G4", 16), DecodeError)


def test_header_paired_across_other_lines_and_deadline() -> None:
    decoder = PeiDecoder(payload_timeout=2.0, max_lines_between=3)
    items = decoder.feed("+CTSDSR: 13,1001,0,2345678,0,16", now=0.0)
    items += decoder.feed("+CTCC: 1,2,3", now=0.1)
    items += decoder.feed("OK", now=0.2)
    items += decoder.feed("8005", now=0.3)
    assert isinstance(items[-1], SdsReceived)
    assert items[-1].payload == StatusMessage(0x8005)
    # Past the deadline the header is reported lost and the hex line is just a line.
    decoder.feed("+CTSDSR: 13,1001,0,2345678,0,16", now=10.0)
    late = decoder.feed("8005", now=13.0)
    assert isinstance(late[0], DecodeError) and late[0].reason == "header_without_payload"
    assert late[1] == ResponseLine("8005")
    decoder.feed("+CTSDSR: 13,1001,0,2345678,0,16", now=20.0)
    assert decoder.expire(21.0) == []
    assert isinstance(decoder.expire(23.0)[0], DecodeError)


def test_header_followed_by_header_reports_the_first() -> None:
    items = feed_all(["+CTSDSR: 13,1001,0,2,0,16", "+CTSDSR: 13,1002,0,2,0,16", "8004"])
    assert isinstance(items[0], DecodeError)
    assert isinstance(items[1], SdsReceived) and items[1].header.calling == "1002"


def test_reset_reports_waiting_header() -> None:
    decoder = PeiDecoder()
    decoder.feed("+CTSDSR: 13,1001,0,2,0,16")
    assert decoder.waiting
    lost = decoder.reset()
    assert len(lost) == 1 and not decoder.waiting
    assert decoder.reset() == []


@pytest.mark.parametrize("coding", [1, CODING_GSM7])
def test_sds_tl_text_round_trip(coding: int) -> None:
    text = "Ga naar Kaya Grandi 12, Kralendijk"
    hex_payload, bits = encode_text(text, 42, coding=coding)
    payload = decode_sds(bytes.fromhex(hex_payload), bits)
    assert isinstance(payload, TextMessage)
    assert payload.text == text
    assert payload.ref == 42
    assert payload.pid == PID_TEXT
    assert payload.report_request == REPORT_RECEIVED


def test_text_command_asks_for_delivery_report() -> None:
    command = text_command(1001, "test", 7)
    head, _, rest = command.partition("\r\n")
    assert head.startswith("AT+CMGS=1001,")
    hex_payload = rest.rstrip("\x1a")
    assert hex_payload == hex_payload.upper()
    assert int(head.split(",")[1]) == len(hex_payload) * 4
    flags = bytes.fromhex(hex_payload)[1]
    assert flags >> 4 == 0 and (flags >> 2) & 3 == REPORT_RECEIVED


def test_sds_tl_pids_and_messages() -> None:
    for pid in (0x82, 0x89):
        payload = decode_sds(bytes([pid, 0x00, 0x05, 0x01]) + b"hi", 48)
        assert isinstance(payload, TextMessage) and payload.text == "hi" and payload.ref == 5
    report_hex, bits = encode_report(9, status=0x00)
    report = decode_sds(bytes.fromhex(report_hex), bits)
    assert report == DeliveryReportMessage(9, 0x00, PID_TEXT) and report.delivered
    failed = decode_sds(bytes([0x82, 0x10, 0x4B, 9]), 32)
    assert isinstance(failed, DeliveryReportMessage) and not failed.delivered
    assert decode_sds(bytes([0x82, 0x20, 0x00, 9]), 32) == AckMessage(9, 0, 0x82)
    short = decode_sds(bytes([0x7E, 12]), 16)
    assert isinstance(short, DeliveryReportMessage) and short.delivered and short.ref == 12
    failed_short = decode_sds(bytes([0x7D, 12]), 16)
    assert isinstance(failed_short, DeliveryReportMessage) and not failed_short.delivered


def test_udh_concatenation_part() -> None:
    data = bytes.fromhex("8A00C98D045A8F050003C90201") + b"Hallo"
    payload = decode_sds(data, len(data) * 8)
    assert isinstance(payload, TextMessage)
    assert payload.text == "Hallo"
    assert payload.part == (0xC9, 2, 1)
    assert payload.timestamp == 0x045A8F
    assert payload.coding == 13


def test_text_codings() -> None:
    cyrillic = "Привет".encode("iso8859-5")
    payload = decode_sds(bytes([0x02, 5]) + cyrillic, 16 + 8 * len(cyrillic))
    assert isinstance(payload, TextMessage) and payload.text == "Привет"
    utf16 = "€ ok".encode("utf-16-be")
    payload = decode_sds(bytes([0x02, 26]) + utf16, 16 + 8 * len(utf16))
    assert isinstance(payload, TextMessage) and payload.text == "€ ok"
    unknown = decode_sds(bytes([0x02, 0x7F]) + b"abc", 40)
    assert isinstance(unknown, TextMessage) and unknown.coding_fallback and unknown.text == "abc"


@pytest.mark.parametrize(("data", "bits", "reason"), [
    (b"", 0, "sds_empty"),
    (bytes([0x02]), 8, "text_short"),
    (bytes([0x82, 0x00]), 16, "sds_tl_short"),
    (bytes([0x82, 0x10, 0x00]), 24, "sds_tl_short"),
    (bytes([0x82, 0x30, 0x00, 0x01]), 32, "sds_tl_type"),
    (bytes([0x82, 0x01, 0x00]), 24, "sds_tl_short"),
    (bytes([0x8A, 0x00, 0x01, 0x01, 0x09, 0x00]), 48, "text_short"),
    (bytes([0x02, 0x81, 0x00]), 24, "text_short"),
    (bytes([0x0C, 0x00]), 16, "pid_unsupported"),
    (bytes([0x03, 0x00]), 16, "pid_unsupported"),
])
def test_bad_payloads(data: bytes, bits: int, reason: str) -> None:
    result = decode_sds(data, bits)
    assert isinstance(result, DecodeError), result
    assert result.reason == reason


def test_gsm7_known_vector_and_extension() -> None:
    packed, bits = encode_gsm7("hellohello")
    assert packed.hex().upper() == "E8329BFD4697D9EC37"
    assert bits == 70
    assert decode_gsm7(*encode_gsm7("{€} [x] ^~|\\")) == "{€} [x] ^~|\\"
    assert decode_gsm7(*encode_gsm7("中")) == "?"
    assert decode_gsm7(bytes([0x1B]), 7) == ""


def test_bit_helpers() -> None:
    writer = BitWriter().write(0b10, 2).write(-1, 5).write_bytes(b"\xab")
    assert writer.nbits == 15
    reader = BitReader.from_bytes(writer.to_bytes(), writer.nbits)
    assert reader.read(2) == 2
    assert reader.read_signed(5) == -1
    assert reader.read_bytes(1) == b"\xab"
    assert reader.remaining == 0
    with pytest.raises(IndexError):
        reader.read(1)
