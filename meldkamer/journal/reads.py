"""The incident list while the database is away: pending incidents from the journal first.

``PendingIncidents`` has the incident list's reading methods (``active_ids``,
``active_count``, ``summaries``, ``summaries_of``). Provisional incidents have negative
ids (``-seq`` of their journal entry), never an id the store hands out. When the store
cannot be read, the list holds the pending incidents alone instead of failing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from meldkamer.errors import StoreError

if TYPE_CHECKING:
    from meldkamer.domain.views import IncidentView
    from meldkamer.journal.outage import Outage
    from meldkamer.services.incidents import IncidentService


class PendingIncidents:
    """The incident service's list reads, with the journal's pending incidents on top."""

    def __init__(self, service: IncidentService, outage: Outage) -> None:
        self.service = service
        self.outage = outage

    def _pending(self) -> list[IncidentView]:
        return self.outage.pending_incidents()

    def active_ids(self, **query: Any) -> list[int]:
        island = query.get("island")
        pending = [v.id for v in self._pending() if island is None or v.island == island]
        if self.outage.down:
            return pending  # no wait for a store that is known to be away
        try:
            return pending + self.service.active_ids(**query)
        except StoreError:
            return pending

    def active_count(self) -> int:
        count = len(self._pending())
        if self.outage.down:
            return count
        try:
            return count + self.service.active_count()
        except StoreError:
            return count

    def summaries(self, ids: list[int]) -> list[IncidentView]:
        pending = {v.id: v for v in self._pending()}
        real = [i for i in ids if i >= 0]
        found = {}
        if real and not self.outage.down:
            try:
                found = {v.id: v for v in self.service.summaries(real)}
            except StoreError:
                found = {}
        return [pending[i] if i < 0 else found[i] for i in ids
                if (i < 0 and i in pending) or i in found]

    def summaries_of(self, numbers: list[str]) -> list[IncidentView]:
        pending = {v.number: v for v in self._pending()}
        real = [n for n in numbers if n not in pending]
        views = [pending[n] for n in numbers if n in pending]
        if real and not self.outage.down:
            try:
                return views + self.service.summaries_of(real)
            except StoreError:
                return views  # the real ones are shown again once the store answers
        return views
