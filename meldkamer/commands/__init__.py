"""Every change as a command: typed, serialisable, executed once by its id.

``Meldkamer.execute(command)`` is the only write path (see ``docs/commands.md``): the role
check (``permissions``), idempotency by ``command_id`` (``command_record``), one
transaction, commit, publish. The command classes are in ``catalogue``.
"""

from meldkamer.commands.base import COMMANDS, Command, command, writes
from meldkamer.commands.catalogue import (
    AcknowledgeAlarm,
    AcknowledgeAttention,
    AddNote,
    AttachCall,
    ChangePriority,
    Classify,
    CloseIncident,
    CreateIncident,
    Dispatch,
    DispatchTurnout,
    FlagCaller,
    ImportRoster,
    Locate,
    LogMessage,
    MarkDuplicate,
    NoteAttention,
    PublishTrainingEvent,
    RaiseAlarm,
    SetUnitPosition,
    SetUnitStatus,
    StoreAlert,
    Withdraw,
)

__all__ = [
    "COMMANDS", "AcknowledgeAlarm", "AcknowledgeAttention", "AddNote", "AttachCall",
    "ChangePriority", "Classify", "CloseIncident", "Command", "CreateIncident", "Dispatch",
    "DispatchTurnout", "FlagCaller", "ImportRoster", "Locate", "LogMessage", "MarkDuplicate",
    "NoteAttention", "PublishTrainingEvent", "RaiseAlarm", "SetUnitPosition", "SetUnitStatus",
    "StoreAlert", "Withdraw", "command", "writes",
]
