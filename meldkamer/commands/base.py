"""What a command is: a frozen dataclass with an id, its actor and its time, as JSON.

A command names one write action and carries everything the action needs as plain data,
so it can be stored (the outage journal), sent to another process and replayed there by
its id. ``to_json``/``from_json`` go through pydantic's ``TypeAdapter`` (typed, validated
decoding of the dataclass fields) and the registry of command classes by name.

The handler of a command is the old body of a service method: ``writes`` turns a service
method into one that builds its command and hands it to ``Meldkamer.execute``; the method's
parameters are the command's fields.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import json
import operator
import typing
import uuid
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from pydantic import TypeAdapter, ValidationError

from meldkamer.domain.source import Source
from meldkamer.errors import InvalidInput, Refused

if TYPE_CHECKING:
    from meldkamer.core import Meldkamer

COMMON = ("command_id", "user", "workstation", "at", "source_kind", "source_detail")


def _now() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    """A fresh command id (a UUID as text)."""
    return str(uuid.uuid4())


@dataclass(frozen=True, kw_only=True)
class Command:
    """One write action as data: who (user, workstation, source), when, and its fields.

    ``name`` is the action as the role table and the journal know it; ``module`` is where
    its handler lives (imported on first use, so a replaying process needs no set-up).
    """

    name: ClassVar[str] = ""
    module: ClassVar[str] = ""

    command_id: str = field(default_factory=new_id)
    user: str = ""
    workstation: str = ""
    at: datetime = field(default_factory=_now)
    source_kind: str = "operator"
    source_detail: str = ""

    @classmethod
    def build(cls: type[C], core: Meldkamer, /, **values: Any) -> C:
        """The command with this workstation's actor, its source on this thread and clock."""
        src = core.source
        return cls(user=core.user, workstation=core.workstation, at=core.clock(),
                   source_kind=src.kind, source_detail=src.detail, **values)

    @property
    def source(self) -> Source:
        """Who acts (a person, a radio, a scenario, a system job), on whose workstation."""
        return Source(self.source_kind, self.user, self.source_detail)

    def arguments(self) -> dict[str, Any]:
        """The command's own fields (not the common ones): the handler's arguments."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name not in COMMON}

    def to_json(self) -> str:
        """The command as JSON text: its name and its fields."""
        data = _adapter(type(self)).dump_python(self, mode="json")
        try:
            return json.dumps({"command": self.name, "fields": data}, ensure_ascii=False,
                              allow_nan=False, sort_keys=True)
        except ValueError as exc:
            raise InvalidInput("the command {name} holds a number that is not finite; it "
                               "cannot be stored", name=self.name) from exc

    @staticmethod
    def from_json(text: str | bytes) -> Command:
        """Rebuild a command stored by ``to_json`` (InvalidInput when it is not one)."""
        try:
            data = json.loads(text)
        except (ValueError, RecursionError) as exc:
            raise InvalidInput("not a stored command: {error}", error=exc) from exc
        if not isinstance(data, dict) or not isinstance(data.get("fields"), dict):
            raise InvalidInput("not a stored command: no command name and fields")
        cls = COMMANDS.get(str(data.get("command")))
        if cls is None:
            raise InvalidInput("unknown command {name!r}", name=data.get("command"))
        try:
            return _adapter(cls).validate_python(data["fields"])
        except ValidationError as exc:
            raise InvalidInput("the stored command {name} is not valid: {error}",
                               name=cls.name, error=exc) from exc


C = TypeVar("C", bound=Command)
COMMANDS: dict[str, type[Command]] = {}


def command(name: str, module: str) -> Callable[[type[C]], type[C]]:
    """Register a command class under ``name``; its handler is defined in ``module``."""

    def decorate(cls: type[C]) -> type[C]:
        if name in COMMANDS:
            raise ValueError("command registered twice", name)
        cls.name, cls.module = name, module
        COMMANDS[name] = cls
        return cls

    return decorate


_ADAPTERS: dict[type[Command], TypeAdapter[Any]] = {}


def _adapter(cls: type[Command]) -> TypeAdapter[Any]:
    found = _ADAPTERS.get(cls)
    if found is None:
        found = _ADAPTERS[cls] = TypeAdapter(cls)
    return found


# -- handlers ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Handler:
    """How to run a command: the undecorated function, on what, and how to store its result.

    ``target`` gives the object the function is a method of (a service of the core), or the
    core itself for a module function. ``result`` turns what the function returned into
    JSON; ``revive`` turns a stored result back into what the function returns.
    """

    function: Callable[..., Any]
    target: Callable[[Meldkamer], Any]
    signature: inspect.Signature

    def run(self, core: Meldkamer, cmd: Command) -> Any:
        args: list[Any] = []
        kwargs: dict[str, Any] = {}
        values = cmd.arguments()
        for p in list(self.signature.parameters.values())[1:]:
            if p.name == "source":
                kwargs["source"] = cmd.source
            elif p.kind is p.VAR_KEYWORD:
                kwargs.update(values[p.name])
            elif p.kind is p.POSITIONAL_ONLY:
                args.append(values[p.name])
            else:
                kwargs[p.name] = values[p.name]
        return self.function(self.target(core), *args, **kwargs)

    def result(self, value: Any) -> Any:
        """What the function returned, as plain JSON-able data."""
        return _returns(self.function).dump_python(value, mode="json")

    def revive(self, stored: Any) -> Any:
        """A stored result as the function returns it (a view, a tuple, ...)."""
        try:
            return _returns(self.function).validate_python(stored)
        except ValidationError as exc:
            if stored is None:  # the retention pass forgot it (it repeated callers' data)
                raise Refused("this command was done before; what it returned is no longer "
                              "kept (the retention policy removed it)") from exc
            raise


@functools.cache
def _returns(function: Callable[..., Any]) -> TypeAdapter[Any]:
    """The adapter for what ``function`` returns (its hints resolved on first use)."""
    hint = function.__annotations__.get("return", Any)
    if isinstance(hint, str):  # postponed (``from __future__ import annotations``)
        hint = eval(hint, function.__globals__)
    return TypeAdapter(hint)


HANDLERS: dict[type[Command], Handler] = {}


def handler_of(cls: type[Command]) -> Handler:
    """The handler of a command class, importing its module on first use."""
    found = HANDLERS.get(cls)
    if found is None:
        importlib.import_module(cls.module)
        found = HANDLERS[cls]
    return found


F = TypeVar("F", bound=Callable[..., Any])


def writes(cls: type[Command],
           target: str | Callable[[Any], Any] | None = None) -> Callable[[F], F]:
    """Make a service method (or a module function taking the core) go through ``execute``.

    Called, the method builds ``cls`` from its arguments and executes it; inside a running
    command (a write made by another write) it runs directly, as part of that command.
    ``target``: the object the method is bound to: the core's attribute of that name, or a
    function of the core (default: the core itself, for a module function whose first
    parameter is the core). A ``source`` parameter is not
    a field: it sets the command's source (``Source``, a kind, or None for the thread's).
    """

    def decorate(fn: F) -> F:
        sig = inspect.signature(fn)
        params = [p for p in list(sig.parameters.values())[1:] if p.name != "source"]
        own = {f.name for f in fields(cls)} - set(COMMON)
        if {p.name for p in params} != own:
            raise TypeError("the fields of the command do not match the method", cls.name,
                            sorted(own), [p.name for p in params])
        get: Callable[[Any], Any] = (
            operator.attrgetter(target) if isinstance(target, str)
            else target or (lambda core: core))
        HANDLERS[cls] = Handler(fn, get, sig)

        @functools.wraps(fn)
        def wrapper(owner: Any, *args: Any, **kwargs: Any) -> Any:
            core = owner if target is None else owner.core
            if core.running is not None:
                return fn(owner, *args, **kwargs)
            bound = sig.bind(owner, *args, **kwargs)
            bound.apply_defaults()
            values = dict(bound.arguments)
            values.pop(next(iter(sig.parameters)))
            given = values.pop("source", None)
            scope = core.acting(_resolve(core, given)) if given is not None else nullcontext()
            with scope:
                return core.execute(cls.build(core, **values))

        return typing.cast(F, wrapper)

    return decorate


def _resolve(core: Meldkamer, given: Source | str) -> Source:
    if isinstance(given, Source):
        return given
    try:
        return Source(given, core.user)
    except ValueError as exc:
        from meldkamer.domain.source import KINDS

        raise InvalidInput("unknown source {source!r}; use one of {kinds}", source=given,
                           kinds=", ".join(KINDS)) from exc


# -- what the store can hold ---------------------------------------------------------------

MAX_INT = 2**63 - 1
MAX_DEPTH = 20


def check_values(cmd: Command) -> None:
    """Refuse (InvalidInput) field values no database column can hold, before any write.

    An integer beyond 64 bits, text with an unpaired surrogate (not UTF-8), data
    nested deeper than ``MAX_DEPTH``: the services check meaning, this checks form.
    """
    for name, value in cmd.arguments().items():
        _check(cmd.name, name, value, 0)
    try:
        _adapter(type(cmd)).validate_python({f.name: getattr(cmd, f.name) for f in fields(cmd)})
    except ValidationError as exc:
        first = exc.errors()[0]
        raise InvalidInput("{action}: {field} has the wrong type ({problem})", action=cmd.name,
                           field=".".join(map(str, first["loc"])), problem=first["msg"]) from exc


def _check(action: str, name: str, value: Any, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise InvalidInput("{action}: {field} is nested too deeply", action=action, field=name)
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, int):
        if not -MAX_INT - 1 <= value <= MAX_INT:
            raise InvalidInput("{action}: {field} is too large a number", action=action,
                               field=name)
    elif isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise InvalidInput("{action}: {field} is not valid text (UTF-8)", action=action,
                               field=name) from exc
    elif isinstance(value, dict):
        for key, item in value.items():
            _check(action, name, key, depth + 1)
            _check(action, name, item, depth + 1)
    elif isinstance(value, list | tuple):
        for item in value:
            _check(action, name, item, depth + 1)
