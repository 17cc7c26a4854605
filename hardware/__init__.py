"""Radio and serial gateways: transports, PEI/LIP/NMEA codecs, gateways, simulator, link test.

A standalone library: imports nothing from meldkamer, ui or maps, and never Qt.
"""

from hardware.codec import DecodeError
from hardware.events import (
    DecodeFailed,
    DeliveryReport,
    EmergencyReceived,
    EventHub,
    FixReceived,
    HardwareEvent,
    LinkDown,
    LinkUp,
    PositionReceived,
    StatusReceived,
    TextReceived,
    UnsolicitedReceived,
)
from hardware.gateway import CommandResult, PeiGateway, SendResult
from hardware.linktest import LinkTestResult, run_link_test
from hardware.nmea import Fix, NmeaGateway, parse_nmea
from hardware.simulator import RadioSimulator, SimUnit
from hardware.transport import LinkStats, SerialLink, open_pty_pair

__all__ = [
    "CommandResult",
    "DecodeError",
    "DecodeFailed",
    "DeliveryReport",
    "EmergencyReceived",
    "EventHub",
    "Fix",
    "FixReceived",
    "HardwareEvent",
    "LinkDown",
    "LinkStats",
    "LinkTestResult",
    "LinkUp",
    "NmeaGateway",
    "PeiGateway",
    "PositionReceived",
    "RadioSimulator",
    "SendResult",
    "SerialLink",
    "SimUnit",
    "StatusReceived",
    "TextReceived",
    "UnsolicitedReceived",
    "open_pty_pair",
    "parse_nmea",
    "run_link_test",
]
