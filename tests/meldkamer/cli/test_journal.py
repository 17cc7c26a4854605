"""``meldkamer journal list|show|replay`` through the real CLI."""

from __future__ import annotations

import pytest

from meldkamer.commands import catalogue as c
from meldkamer.domain.reference import Reference
from meldkamer.journal.outage import Outage
from tests.fixtures import open_core
from tests.meldkamer.test_cli import Cli, refused


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], sqlite_url: str) -> Cli:
    return Cli(capsys, sqlite_url)


def _journal_a_call(url: str, ref: Reference) -> str:
    """A call kept in this workstation's journal (the default file), as during an outage."""
    core = open_core(url, ref)
    outage = Outage.attach(core)
    try:
        outage.down = True
        number = core.incidents.create(caller_number="717 1234", island="BO").number
        core.execute(c.AddNote.build(core, number=number, text="smoke seen"))
        return number
    finally:
        outage.journal.close()
        core.close()


def test_list_show_and_replay(cli: Cli, sqlite_url: str, ref: Reference) -> None:
    assert "empty" in cli.ok("journal", "list").out
    provisional = _journal_a_call(sqlite_url, ref)
    listed = cli.json("journal", "list")
    assert [e["state"] for e in listed] == ["pending", "pending"]
    assert listed[0]["provisional"] == provisional
    shown = cli.json("journal", "show", listed[1]["command_id"])
    assert shown["command"]["fields"]["text"] == "smoke seen"
    assert "incident.note" in cli.ok("journal", "show", str(listed[1]["seq"])).out
    done = cli.json("journal", "replay")
    assert done == {"replayed": 2, "conflicts": 0, "failed": 0, "stopped": False}
    assert cli.json("journal", "replay")["replayed"] == 0  # exactly once
    assert len(cli.json("incident", "list")) == 1
    assert {e["state"] for e in cli.json("journal", "list", "--state", "replayed")} == {
        "replayed"}


def test_show_an_unknown_entry_is_not_found(cli: Cli) -> None:
    refused(cli("journal", "show", "no-such-id"), 3, "no journaled command")
