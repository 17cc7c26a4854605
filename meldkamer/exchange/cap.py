"""Public warnings as OASIS CAP 1.2 XML: written and read with lxml.

Writing builds the element tree in the schema's order (the official XSD validates it in
the tests; the app never needs the schema). Reading is for files from outside: at most
``MAX_BYTES``, no DTD, no entities, no network, and every element the standard requires
is checked, with an error that names it. Storage lives in ``meldkamer.exchange.alerts``.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from lxml import etree

from meldkamer import config
from meldkamer.errors import InvalidInput, ReferenceDataError
from meldkamer.i18n import N_

NS = "urn:oasis:names:tc:emergency:cap:1.2"
MAX_BYTES = 1_000_000  # a CAP alert is a few kilobytes; anything this big is not one
ISLANDS_OFFSET = timezone(timedelta(hours=-4), "AST")  # America/Kralendijk, no DST

STATUSES = ("Actual", "Exercise", "System", "Test", "Draft")
MSG_TYPES = ("Alert", "Update", "Cancel", "Ack", "Error")
SCOPES = ("Public", "Restricted", "Private")
CATEGORIES = ("Geo", "Met", "Safety", "Security", "Rescue", "Fire", "Health", "Env",
              "Transport", "Infra", "CBRNE", "Other")
URGENCIES = ("Immediate", "Expected", "Future", "Past", "Unknown")
SEVERITIES = ("Extreme", "Severe", "Moderate", "Minor", "Unknown")
CERTAINTIES = ("Observed", "Likely", "Possible", "Unlikely", "Unknown")
# What people read for CAP's codes (the XML and --json keep the codes).
SEVERITY_NAMES = {"Extreme": N_("Extreme"), "Severe": N_("Severe"),
                  "Moderate": N_("Moderate"), "Minor": N_("Minor"), "Unknown": N_("Unknown")}
STATUS_NAMES = {"Actual": N_("Actual"), "Exercise": N_("Exercise"), "Test": N_("Test"),
                "System": N_("System"), "Draft": N_("Draft")}
MSG_TYPE_NAMES = {"Alert": N_("Alert"), "Update": N_("Update"), "Cancel": N_("Cancel"),
                  "Ack": N_("Acknowledgement"), "Error": N_("Error")}
# RFC 3066 tags (CAP 1.2 section 3.2.2): Dutch and English of the BQ region, and
# Papiamentu by its ISO 639-2 code (it has no two-letter one).
LANGUAGE_TAGS = {"nl": "nl-BQ", "en": "en-BQ", "pap": "pap-BQ"}
_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[-+]\d\d:\d\d")
_ID_FORBIDDEN = re.compile(r"[\s,<&]")
# Refused before parsing (entity bombs, external entities), in UTF-8 and UTF-16 alike.
_DOCTYPE = tuple(b"<!DOCTYPE".decode().encode(e) for e in ("ascii", "utf-16-le", "utf-16-be"))


@dataclass(frozen=True)
class EventType:
    """A kind of public warning the control room sends (reference data, cap.toml)."""

    code: str
    category: str
    urgency: str
    severity: str
    certainty: str
    names: dict[str, str]
    instructions: dict[str, str]

    def name(self, lang: str) -> str:
        return self.names.get(lang) or self.names["nl"]


@dataclass(frozen=True)
class Catalogue:
    """The sender and the event types, from cap.toml (the site's, else the shipped one)."""

    sender: str
    sender_names: dict[str, str]
    contact: str
    events: dict[str, EventType]


def load_catalogue(site_dir: Path | None = None) -> Catalogue:
    """Read cap.toml: the site's reference folder first, else the shipped defaults."""
    site = (site_dir or config.reference_dir()) / "cap.toml"
    path = site if site.is_file() else Path(__file__).parent.parent / "data" / "cap.toml"
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        events = {}
        for e in raw["event"]:
            kind = EventType(str(e["code"]), str(e["category"]), str(e["urgency"]),
                             str(e["severity"]), str(e["certainty"]), dict(e["name"]),
                             dict(e.get("instruction", {})))
            for field, value, allowed in (
                    ("category", kind.category, CATEGORIES), ("urgency", kind.urgency, URGENCIES),
                    ("severity", kind.severity, SEVERITIES),
                    ("certainty", kind.certainty, CERTAINTIES)):
                if value not in allowed:
                    raise ReferenceDataError(
                        "{path}: event {event}: {field} {value} is not one of {allowed}",
                        path=path, event=kind.code, field=field, value=value,
                        allowed=", ".join(allowed))
            if "nl" not in kind.names:
                raise ReferenceDataError("{path}: event {event} has no Dutch name",
                                         path=path, event=kind.code)
            events[kind.code] = kind
        sender = str(raw["sender"])
        if not sender or _ID_FORBIDDEN.search(sender):
            raise ReferenceDataError("{path}: sender: no spaces, commas, < or & allowed",
                                     path=path)
        return Catalogue(sender, dict(raw.get("sender_name", {})), str(raw.get("contact", "")),
                         events)
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
        raise ReferenceDataError("{path}: the public warning settings cannot be used ({error})",
                                 path=path, error=exc) from exc


# -- the alert as plain data ----------------------------------------------------------

@dataclass(frozen=True)
class Area:
    description: str
    polygons: tuple[str, ...] = ()
    circles: tuple[str, ...] = ()
    geocodes: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Info:
    language: str
    categories: tuple[str, ...]
    event: str
    urgency: str
    severity: str
    certainty: str
    headline: str = ""
    description: str = ""
    instruction: str = ""
    expires: datetime | None = None
    sender_name: str = ""
    contact: str = ""
    areas: tuple[Area, ...] = ()


@dataclass(frozen=True)
class Alert:
    identifier: str
    sender: str
    sent: datetime
    status: str
    msg_type: str
    scope: str
    infos: tuple[Info, ...] = ()
    references: tuple[str, ...] = ()  # "sender,identifier,sent" each
    note: str = ""

    def info(self, lang: str) -> Info | None:
        """The info block in ``lang`` (nl, en, pap), else the first one."""
        for info in self.infos:
            if info.language.lower().split("-")[0] == lang:
                return info
        return self.infos[0] if self.infos else None

    @property
    def expires(self) -> datetime | None:
        """The latest expiry of its info blocks (None when none says)."""
        times = [i.expires for i in self.infos if i.expires is not None]
        return max(times) if times else None

    @property
    def reference_key(self) -> str:
        """How another alert refers to this one."""
        return f"{self.sender},{self.identifier},{cap_time(self.sent)}"


def cap_time(ts: datetime) -> str:
    """A time as CAP writes it: seconds and the islands' offset, e.g. 2026-09-01T14:00:00-04:00."""
    return ts.astimezone(ISLANDS_OFFSET).replace(microsecond=0).isoformat()


# -- writing --------------------------------------------------------------------------

def to_xml(alert: Alert) -> bytes:
    """The alert as CAP 1.2 XML (UTF-8, with declaration), elements in the schema's order."""
    root = etree.Element(f"{{{NS}}}alert", nsmap={None: NS})

    def sub(parent: etree._Element, name: str, text: str | None) -> None:
        if text:
            etree.SubElement(parent, f"{{{NS}}}{name}").text = text

    sub(root, "identifier", alert.identifier)
    sub(root, "sender", alert.sender)
    sub(root, "sent", cap_time(alert.sent))
    sub(root, "status", alert.status)
    sub(root, "msgType", alert.msg_type)
    sub(root, "scope", alert.scope)
    sub(root, "note", alert.note)
    sub(root, "references", " ".join(alert.references))
    for info in alert.infos:
        el = etree.SubElement(root, f"{{{NS}}}info")
        sub(el, "language", info.language)
        for category in info.categories:
            sub(el, "category", category)
        sub(el, "event", info.event)
        sub(el, "urgency", info.urgency)
        sub(el, "severity", info.severity)
        sub(el, "certainty", info.certainty)
        if info.expires is not None:
            sub(el, "expires", cap_time(info.expires))
        sub(el, "senderName", info.sender_name)
        sub(el, "headline", info.headline)
        sub(el, "description", info.description)
        sub(el, "instruction", info.instruction)
        sub(el, "contact", info.contact)
        for area in info.areas:
            a = etree.SubElement(el, f"{{{NS}}}area")
            sub(a, "areaDesc", area.description)
            for polygon in area.polygons:
                sub(a, "polygon", polygon)
            for circle in area.circles:
                sub(a, "circle", circle)
            for name, value in area.geocodes:
                g = etree.SubElement(a, f"{{{NS}}}geocode")
                sub(g, "valueName", name)
                sub(g, "value", value)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8",
                                pretty_print=True))


def box_polygon(bbox: tuple[float, float, float, float]) -> str:
    """A south, west, north, east box as a closed CAP polygon ("lat,lon" pairs)."""
    s, w, n, e = bbox
    corners = [(s, w), (n, w), (n, e), (s, e), (s, w)]
    return " ".join(f"{lat:.4f},{lon:.4f}" for lat, lon in corners)


# -- reading --------------------------------------------------------------------------

def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           dtd_validation=False, huge_tree=False, remove_comments=True,
                           remove_pis=True)


def read_file(path: Path) -> tuple[Alert, bytes]:
    """Read and check a CAP file: the alert and the bytes read (InvalidInput if unusable)."""
    from meldkamer.files import read_regular

    data = read_regular(path, MAX_BYTES)
    return parse(data, source=str(path)), data


def parse(data: bytes, *, source: str = "CAP") -> Alert:
    """Parse CAP 1.2 XML from outside; every problem is an InvalidInput naming the element."""
    if len(data) > MAX_BYTES:
        raise InvalidInput("{source}: larger than {limit} bytes: this is not a CAP alert",
                           source=source, limit=MAX_BYTES)
    if not data.strip():
        raise InvalidInput("{source}: the file is empty", source=source)
    if any(mark in data.upper() for mark in _DOCTYPE):
        raise InvalidInput("{source}: a document type declaration (DTD) is not allowed in "
                           "CAP", source=source)
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise InvalidInput("{source}: not well-formed XML ({error})", source=source,
                           error=exc.msg or exc) from exc
    except ValueError as exc:  # e.g. a string with an encoding declaration
        raise InvalidInput("{source}: not well-formed XML ({error})", source=source,
                           error=exc) from exc
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise InvalidInput("{source}: a document type declaration (DTD) is not allowed in "
                           "CAP", source=source)
    if not isinstance(root.tag, str) or root.tag != f"{{{NS}}}alert":
        found = root.tag if isinstance(root.tag, str) else "?"
        raise InvalidInput("{source}: the root element is {element}, expected <alert> in the "
                           "CAP 1.2 namespace {namespace}", source=source, element=found,
                           namespace=NS)
    return _Reader(source).alert(root)


class _Problem:
    """A translated message inside another, translated when the error is shown."""

    def __init__(self, template: str, fields: dict[str, Any]) -> None:
        self.template, self.fields = template, fields

    def __str__(self) -> str:
        from meldkamer.i18n import tr

        return tr(self.template, **self.fields)


class _Reader:
    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, template: str, **fields: Any) -> InvalidInput:
        return InvalidInput("{source}: {problem}", source=self.source,
                            problem=_Problem(template, fields))

    def children(self, parent: etree._Element, name: str) -> list[etree._Element]:
        return [c for c in parent if isinstance(c.tag, str) and c.tag == f"{{{NS}}}{name}"]

    def text(self, parent: etree._Element, name: str, *, required: bool = False,
             where: str = "alert") -> str:
        found = self.children(parent, name)
        if len(found) > 1:
            raise self.fail("<{element}> appears more than once in <{parent}>", element=name,
                            parent=where)
        if not found:
            if required:
                raise self.fail("the required element <{element}> is missing from <{parent}>",
                                element=name, parent=where)
            return ""
        if any(isinstance(c.tag, str) for c in found[0]):
            raise self.fail("<{element}> must hold text, not elements", element=name)
        value = "".join(found[0].itertext()).strip()
        if required and not value:
            raise self.fail("the required element <{element}> is empty", element=name)
        return value

    def enum(self, value: str, name: str, allowed: tuple[str, ...]) -> str:
        if value not in allowed:
            raise self.fail("<{element}> {value!r} is not one of {allowed}", element=name,
                            value=value[:40], allowed=", ".join(allowed))
        return value

    def time(self, value: str, name: str) -> datetime:
        if not _TIME.fullmatch(value):
            raise self.fail("<{element}> {value!r} is not a CAP time like "
                            "2026-09-01T14:00:00-04:00", element=name, value=value[:40])
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            raise self.fail("<{element}> {value!r} is not a valid date and time",
                            element=name, value=value) from None

    def alert(self, root: etree._Element) -> Alert:
        identifier = self.text(root, "identifier", required=True)
        sender = self.text(root, "sender", required=True)
        for name, value in (("identifier", identifier), ("sender", sender)):
            if _ID_FORBIDDEN.search(value):
                raise self.fail("<{element}> must not contain spaces, commas, < or &",
                                element=name)
        sent = self.time(self.text(root, "sent", required=True), "sent")
        status = self.enum(self.text(root, "status", required=True), "status", STATUSES)
        msg_type = self.enum(self.text(root, "msgType", required=True), "msgType", MSG_TYPES)
        scope = self.enum(self.text(root, "scope", required=True), "scope", SCOPES)
        references = tuple(self.text(root, "references").split())
        if msg_type in ("Update", "Cancel") and not references:
            raise self.fail("a {kind} message needs <references> to the alert it changes",
                            kind=msg_type)
        infos = tuple(self.info(el, i) for i, el in enumerate(self.children(root, "info"), 1))
        return Alert(identifier, sender, sent, status, msg_type, scope, infos, references,
                     self.text(root, "note"))

    def info(self, el: etree._Element, n: int) -> Info:
        where = f"info {n}"
        categories = tuple(self.enum("".join(c.itertext()).strip(), "category", CATEGORIES)
                           for c in self.children(el, "category"))
        if not categories:
            raise self.fail("the required element <{element}> is missing from <{parent}>",
                            element="category", parent=where)
        expires = self.text(el, "expires", where=where)
        areas = []
        for a in self.children(el, "area"):
            areas.append(Area(
                self.text(a, "areaDesc", required=True, where="area"),
                tuple("".join(p.itertext()).strip() for p in self.children(a, "polygon")),
                tuple("".join(p.itertext()).strip() for p in self.children(a, "circle")),
                tuple((self.text(g, "valueName", required=True, where="geocode"),
                       self.text(g, "value", required=True, where="geocode"))
                      for g in self.children(a, "geocode"))))
        return Info(
            language=self.text(el, "language", where=where) or "en-US",
            categories=categories,
            event=self.text(el, "event", required=True, where=where),
            urgency=self.enum(self.text(el, "urgency", required=True, where=where),
                              "urgency", URGENCIES),
            severity=self.enum(self.text(el, "severity", required=True, where=where),
                               "severity", SEVERITIES),
            certainty=self.enum(self.text(el, "certainty", required=True, where=where),
                                "certainty", CERTAINTIES),
            headline=self.text(el, "headline", where=where),
            description=self.text(el, "description", where=where),
            instruction=self.text(el, "instruction", where=where),
            expires=self.time(expires, "expires") if expires else None,
            sender_name=self.text(el, "senderName", where=where),
            contact=self.text(el, "contact", where=where),
            areas=tuple(areas),
        )
