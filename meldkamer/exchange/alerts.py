"""Public warnings sent and received: composed, stored in the audit trail, listed.

No table of their own: each alert exported or imported is one audit event
(entity ``cap_alert``) whose data holds the alert's XML, so it is kept in the same
tamper-evident, shared (PostgreSQL) or training-only database as everything else and needs
no migration. Reading back parses that XML again with the same checks as an import.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from meldkamer.commands import catalogue as c
from meldkamer.commands.base import writes
from meldkamer.errors import Conflict, InvalidInput, NotFound, Refused
from meldkamer.events import DomainEvent, register
from meldkamer.exchange.cap import (
    CERTAINTIES,
    LANGUAGE_TAGS,
    SEVERITIES,
    URGENCIES,
    Alert,
    Area,
    Catalogue,
    Info,
    box_polygon,
    load_catalogue,
    parse,
    read_file,
    to_xml,
)
from meldkamer.store.models import AuditEvent

if TYPE_CHECKING:
    from meldkamer.core import Meldkamer

ENTITY = "cap_alert"
# An alert that says nothing of when it ends is shown this long after it was sent.
UNSTATED_LIFETIME = timedelta(hours=24)


@register("cap.alert", shared=False)
@dataclass(frozen=True)
class AlertStored(DomainEvent):
    """A public warning was exported or imported on this workstation."""

    identifier: str
    direction: str  # "out" or "in"


@dataclass(frozen=True)
class StoredAlert:
    """An alert as kept: when and how it came, and the alert itself."""

    seq: int
    at: datetime
    direction: str  # "out" (we sent it) or "in" (imported)
    alert: Alert
    xml: str

    def as_data(self, lang: str = "nl") -> dict[str, Any]:
        info = self.alert.info(lang)
        return {
            "seq": self.seq, "stored_at": self.at.isoformat(), "direction": self.direction,
            "identifier": self.alert.identifier, "sender": self.alert.sender,
            "sent": self.alert.sent.isoformat(), "status": self.alert.status,
            "msg_type": self.alert.msg_type, "references": list(self.alert.references),
            "expires": self.alert.expires.isoformat() if self.alert.expires else None,
            "event": info.event if info else "", "headline": info.headline if info else "",
            "severity": info.severity if info else "", "urgency": info.urgency if info else "",
            "areas": [a.description for a in info.areas] if info else [],
            "description": info.description if info else "",
            "instruction": info.instruction if info else "",
            "languages": [i.language for i in self.alert.infos],
        }


def _key(identifier: str) -> str:
    """The audit entity key: the identifier, or a digest of one too long for the column."""
    if len(identifier) <= 40:
        return identifier
    return "sha256:" + hashlib.sha256(identifier.encode()).hexdigest()[:33]


class PublicWarnings:
    """Export, import and list CAP alerts for one core."""

    def __init__(self, core: Meldkamer, catalogue: Catalogue | None = None) -> None:
        self.core = core
        self.catalogue = catalogue or load_catalogue()

    # -- composing -----------------------------------------------------------------

    def compose(self, *, headline: str, areas: Sequence[str], event: str = "public_safety",
                severity: str | None = None, urgency: str | None = None,
                certainty: str | None = None, description: str = "", instruction: str = "",
                expires: datetime | None = None, status: str | None = None,
                update: str | None = None, cancel: str | None = None,
                texts: dict[str, dict[str, str]] | None = None) -> Alert:
        """A new alert from the operator's choices (checked; nothing stored yet).

        ``texts`` holds the other languages' headline, description and instruction
        ({"en": {"headline": ...}}); a language without a headline of its own gets one
        made of the event's name and the areas; English is always there, Papiamentu only
        when given.
        """
        ref, cat = self.core.ref, self.catalogue
        kind = cat.events.get(event)
        if kind is None:
            raise InvalidInput("unknown event type {event!r}; choose from {choices}",
                               event=event, choices=", ".join(cat.events))
        codes = []
        for area in areas:
            code = area.strip().upper()
            if code not in ref.islands:
                raise InvalidInput("unknown island {area!r}; choose from {choices}",
                                   area=area, choices=", ".join(ref.islands))
            if code not in codes:
                codes.append(code)
        if not codes:
            raise InvalidInput("name at least one island (--area BO, SE or SA)")
        for value, name, allowed in ((severity, "severity", SEVERITIES),
                                     (urgency, "urgency", URGENCIES),
                                     (certainty, "certainty", CERTAINTIES)):
            if value is not None and value not in allowed:
                raise InvalidInput("{name} {value!r} is not one of {allowed}", name=name,
                                   value=value, allowed=", ".join(allowed))
        now = self.core.clock().replace(microsecond=0)
        if expires is not None and expires <= now:
            raise InvalidInput("the alert would expire before it is sent ({expires})",
                               expires=expires)
        status = self._status(status)
        msg_type = "Alert"
        references: tuple[str, ...] = ()
        if update and cancel:
            raise InvalidInput("an alert either updates or cancels an earlier one, not both")
        if update or cancel:
            earlier = self.find(str(update or cancel))
            msg_type = "Update" if update else "Cancel"
            references = (earlier.alert.reference_key,)
        if not headline.strip() and msg_type != "Cancel":
            raise InvalidInput("a public warning needs a headline")
        given = {"nl": {"headline": headline.strip(), "description": description.strip(),
                        "instruction": instruction.strip()}}
        for lang, parts in (texts or {}).items():
            if lang not in LANGUAGE_TAGS:
                raise InvalidInput("unknown language {lang!r}", lang=lang)
            given.setdefault(lang, {}).update({k: v.strip() for k, v in parts.items() if v})
        given.setdefault("en", {})
        infos = []
        for lang in LANGUAGE_TAGS:
            if lang not in given:
                continue
            mine = given[lang]
            names = ", ".join(ref.islands[c].name for c in codes)
            made = f"{kind.name(lang)}: {names}"
            if msg_type == "Cancel":
                made = {"nl": "Ingetrokken", "en": "Cancelled",
                        "pap": "Kansela"}[lang] + f": {made}"
            infos.append(Info(
                language=LANGUAGE_TAGS[lang], categories=(kind.category,),
                event=kind.name(lang), urgency=urgency or kind.urgency,
                severity=severity or kind.severity, certainty=certainty or kind.certainty,
                headline=(mine.get("headline") or made)[:160],
                description=mine.get("description", ""),
                instruction=mine.get("instruction") or kind.instructions.get(lang, ""),
                expires=expires,
                sender_name=cat.sender_names.get(lang) or cat.sender_names.get("nl", ""),
                contact=cat.contact,
                areas=tuple(self._area(c) for c in codes)))
        return Alert(identifier=f"KPCN-{now:%Y%m%d}-{uuid.uuid4().hex[:12]}",
                     sender=cat.sender, sent=now, status=status, msg_type=msg_type,
                     scope="Public", infos=tuple(infos), references=references)

    def _status(self, status: str | None) -> str:
        """Exercise in a training database, whatever was asked, except Test."""
        if self.core.training:
            if status not in (None, "Exercise", "Test"):
                raise Refused("the training database sends only Exercise or Test alerts, "
                              "never {status}", status=status)
            return status or "Exercise"
        if status not in (None, "Actual", "Exercise", "Test"):
            raise InvalidInput("status {status!r} is not one of Actual, Exercise, Test",
                               status=status)
        return status or "Actual"

    def _area(self, code: str) -> Area:
        island = self.core.ref.islands[code]
        return Area(description=island.name, polygons=(box_polygon(island.bbox),),
                    geocodes=(("ISO3166-2", f"BQ-{code}"),))

    # -- storing -------------------------------------------------------------------

    def export(self, alert: Alert, out: Path | None = None) -> StoredAlert:
        """Store and audit an alert we send; write its XML to ``out`` first when given."""
        xml = to_xml(alert)
        if out is not None:
            try:
                out.write_bytes(xml)
            except OSError as exc:
                raise InvalidInput("cannot write {path}: {error}", path=out,
                                   error=exc.strerror or exc) from exc
        return self._store(alert, xml.decode("utf-8"), "out", out)

    def import_file(self, path: Path) -> StoredAlert:
        """Check and keep an alert from a file; an alert already kept is refused (Conflict)."""
        alert, data = read_file(path)
        return self._store(alert, data.decode("utf-8", "replace"), "in", path)

    def _store(self, alert: Alert, xml: str, direction: str, path: Path | None) -> StoredAlert:
        seq, now = self._keep(xml, direction, path.name if path else None)
        return StoredAlert(seq, now, direction, alert, xml)

    @writes(c.StoreAlert, lambda core: PublicWarnings(core))
    def _keep(self, xml: str, direction: str, file: str | None) -> tuple[int, datetime]:
        """Keep an alert's XML in the audit trail; returns its sequence and time."""
        alert = parse(xml.encode("utf-8"), source=file or "CAP")
        if direction not in ("in", "out"):
            raise InvalidInput("an alert is kept as in or out, not {direction!r}",
                               direction=direction)
        for kept in self.stored():
            if kept.alert.reference_key == alert.reference_key:
                raise Conflict("alert {identifier} from {sender} is already stored",
                               identifier=alert.identifier, sender=alert.sender)
        with self.core.transaction() as tx:
            seq = tx.audit(f"cap.{'export' if direction == 'out' else 'import'}", ENTITY,
                           _key(alert.identifier), direction=direction, xml=xml,
                           identifier=alert.identifier, file=file)
            tx.publish(AlertStored(seq, alert.identifier, direction))
            return seq, tx.now

    # -- reading -------------------------------------------------------------------

    def stored(self) -> list[StoredAlert]:
        """Every alert kept, oldest first."""
        query = (select(AuditEvent.seq, AuditEvent.at, AuditEvent.data)
                 .where(AuditEvent.entity == ENTITY).order_by(AuditEvent.seq))
        with self.core.store.read() as session:
            rows = session.execute(query).all()
        found = []
        for seq, at, data in rows:
            try:
                raw = json.loads(data)
                alert = parse(raw["xml"].encode("utf-8"), source=f"audit {seq}")
            except (ValueError, KeyError, TypeError, InvalidInput):
                continue  # checked when it was stored; never stops the others being shown
            found.append(StoredAlert(seq, at, raw.get("direction", "in"), alert, raw["xml"]))
        return found

    def find(self, identifier: str) -> StoredAlert:
        """The stored alert with this identifier (the latest if two senders share one)."""
        for kept in reversed(self.stored()):
            if kept.alert.identifier == identifier:
                return kept
        raise NotFound("no stored alert {identifier}", identifier=identifier)

    def active(self, now: datetime | None = None) -> list[StoredAlert]:
        """Alerts in force: not expired, not cancelled or replaced by a later one; newest first."""
        now = now or self.core.clock()
        kept = self.stored()
        replaced = {ref for k in kept for ref in k.alert.references}
        live = []
        for k in kept:
            a = k.alert
            if a.msg_type in ("Cancel", "Ack", "Error") or a.reference_key in replaced:
                continue
            ends = a.expires or a.sent + UNSTATED_LIFETIME
            if ends > now:
                live.append(k)
        return sorted(live, key=lambda k: k.alert.sent, reverse=True)
