"""Errors the core raises on purpose: each has a clear message and a CLI exit code."""

from __future__ import annotations

from typing import Any


class MeldkamerError(Exception):
    """Base for every error that should reach a person as a message, not a traceback.

    The message is an English template with named fields, translated when shown.
    """

    exit_code = 1
    kind = "error"

    def __init__(self, template: str, /, **fields: Any) -> None:
        super().__init__(template)
        self.template = template
        self.fields = fields

    def __str__(self) -> str:
        from meldkamer.i18n import tr

        return tr(self.template, **self.fields)


class InvalidInput(MeldkamerError):
    """Input from a person, file or wire that is not acceptable; nothing was changed."""

    exit_code = 2
    kind = "invalid"


class NotFound(MeldkamerError):
    """An incident, unit or other object that does not exist."""

    exit_code = 3
    kind = "not_found"


class Refused(MeldkamerError):
    """The request is well-formed but the rules forbid it (illegal transition, open units)."""

    exit_code = 4
    kind = "refused"


class NotPermitted(Refused):
    """The actor's role (or a non-person source) may not do this; nothing was changed.

    Not a race and not a state of the data: trying again, or after a reload, is refused again.
    """


class Conflict(MeldkamerError):
    """Someone else changed the object since it was read; nothing was overwritten."""

    exit_code = 5
    kind = "conflict"


class StoreError(MeldkamerError):
    """The database cannot be opened, read or written (not a database, read-only, gone)."""

    exit_code = 6
    kind = "store"


class OutcomeUnknown(StoreError):
    """The connection died during COMMIT: the command may or may not have been stored.

    Never retry it blindly: once the database is back, ``Meldkamer.command_outcome`` with
    ``command_id`` says whether it committed and what it returned.
    """

    kind = "outcome_unknown"

    def __init__(self, template: str, /, *, command_id: str = "", **fields: Any) -> None:
        super().__init__(template, command_id=command_id, **fields)
        self.command_id = command_id


class ReferenceDataError(MeldkamerError):
    """A reference data file is missing, malformed or inconsistent."""

    exit_code = 7
    kind = "reference"


class LinkProblem(MeldkamerError):
    """A serial port that cannot be opened, or a link test that found errors."""

    exit_code = 9
    kind = "link"


class MapProblem(MeldkamerError):
    """Map data that cannot be read, imported or written."""

    exit_code = 10
    kind = "maps"


class NotLoggedIn(MeldkamerError):
    """No one is logged in (no valid token, no terminal to ask on), or the login failed."""

    exit_code = 11
    kind = "login"
