"""``meldkamer db backup`` and ``meldkamer db restore``: the SQLite database's backups.

PostgreSQL is backed up with its own tools (pg_dump, pg_basebackup): docs/operations.md.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from meldkamer.cli.commands import _emit
from meldkamer.errors import Refused
from meldkamer.i18n import tr


def add_commands(db: argparse._SubParsersAction[argparse.ArgumentParser],
                 cmd: Callable[..., argparse.ArgumentParser]) -> None:
    """Register ``db backup`` and ``db restore`` under ``db``."""
    p = cmd(db, "backup", "take an online backup of the SQLite database (workstations may "
                          "keep working)")
    p.add_argument("path", nargs="?", help="a new file or a folder (default: the backups "
                                           "folder in the data directory)")
    p.set_defaults(func=db_backup)
    p = cmd(db, "restore", "replace the SQLite database with a backup (every workstation on "
                           "it must be closed; the replaced file is kept aside)")
    p.add_argument("path", help="the backup file")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.set_defaults(func=db_restore)


def _sqlite_path(args: argparse.Namespace) -> Path:
    from meldkamer import config
    from meldkamer.store.db import normalise_url

    url = normalise_url(config.database_url(getattr(args, "db", None),
                                            training=getattr(args, "training", False)))
    if not url.startswith("sqlite:///"):
        raise Refused("a PostgreSQL database is backed up and restored with its own tools "
                      "(pg_dump, pg_basebackup); see docs/operations.md")
    return Path(url.removeprefix("sqlite:///"))


def db_backup(args: argparse.Namespace) -> int:
    from meldkamer.store.backup import backup

    result = backup(_sqlite_path(args), Path(args.path) if args.path else None)
    _emit(args, result.to_dict(),
          tr("backup written to {path} ({size} bytes in {seconds:.1f} s)",
             path=result.path, size=result.bytes, seconds=result.seconds))
    return 0


def _confirmed(database: Path, source: Path) -> bool:
    if not sys.stdin.isatty():
        raise Refused("restoring replaces {database}; run again with --yes to confirm",
                      database=database)
    answer = input(tr("Replace {database} with {source}? The current file is kept aside. "
                      "[y/N] ", database=database, source=source))
    return answer.strip().lower() in ("y", "yes", "j", "ja", "si", "sí")


def db_restore(args: argparse.Namespace) -> int:
    from meldkamer.store.backup import check_backup, restore

    database, source = _sqlite_path(args), Path(args.path)
    check_backup(source)  # refuse a bad file before asking
    if not args.yes and not _confirmed(database, source):
        print(tr("nothing was changed"))
        return 4
    result = restore(source, database)
    data: dict[str, Any] = result.to_dict()
    lines = [tr("{database} restored from {source}", database=result.database,
                source=result.source)]
    if result.replaced:
        lines.append(tr("the replaced database is kept at {path}", path=result.replaced))
    lines.append(tr("audit trail intact: {events} events", events=result.audit_events)
                 if result.audit_ok else
                 tr("AUDIT TRAIL BROKEN in the restored database: {problem}",
                    problem=result.audit_problem))
    _emit(args, data, "\n".join(lines))
    return 0 if result.audit_ok else 8
