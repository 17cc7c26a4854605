"""The draft journal belongs to one user and one database: a call never leaks across."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from meldkamer import config
from meldkamer.core import Meldkamer
from meldkamer.demo import load_demo
from meldkamer.domain.reference import Reference
from meldkamer.drafts import DraftJournal, database_key, safe_name
from meldkamer.intake import IntakeSession

CALL = {"caller": "+599 717 1234", "name": "Marta", "location_text": "Dorp Rincon"}


def test_a_live_call_is_never_offered_in_training(tmp_path: Path) -> None:
    live = Meldkamer.open(str(tmp_path / "live.sqlite3"), user="centralist")
    training = Meldkamer.open(user="centralist", training=True)
    try:
        load_demo(live, incidents=False)
        taking = IntakeSession(live, DraftJournal.for_database(live.store.url, live.user))
        taking.set_caller("7171234")
        taking.set_name("Marta")
        assert taking.journal is not None and taking.journal.path is not None
        assert taking.journal.path.exists()

        trainee = IntakeSession(training,
                                DraftJournal.for_database(training.store.url, training.user))
        assert trainee.recover() is None and trainee.is_empty()

        again = IntakeSession(live, DraftJournal.for_database(live.store.url, live.user))
        assert again.recover() is True and again.form.name == "Marta"
    finally:
        live.close()
        training.close()


def test_every_database_has_its_own_draft(tmp_path: Path) -> None:
    def journal(url: str, user: str = "centralist") -> Path:
        path = DraftJournal.for_database(url, user, root=tmp_path).path
        assert path is not None
        return path

    live = journal(str(config.default_db_path()))
    training = journal(str(config.training_db_path()))
    other = journal(str(tmp_path / "oefenavond.sqlite3"))
    pg = journal("postgresql://meldkamer:geheim@10.0.0.5:5432/kpcn")
    standby = journal("postgresql://meldkamer:geheim@10.0.0.6:5432/kpcn")
    assert len({live, training, other, pg, standby}) == 5
    assert all(p.parent == tmp_path / "centralist" for p in (live, training, other, pg))
    assert live.name.startswith("meldkamer-") and training.name.startswith("training-")
    assert pg.name.startswith("kpcn-")
    # The same database by another spelling, or after a password change, is the same one.
    assert journal(f"sqlite:///{config.default_db_path()}") == live
    assert journal("postgres://meldkamer:nieuw@10.0.0.5:5432/kpcn") == pg
    assert journal("postgresql+psycopg://meldkamer@10.0.0.5:5432/kpcn") == pg
    assert "geheim" not in str(pg)
    assert journal(str(config.default_db_path()), "trainer") != live  # and per user


def test_a_draft_from_another_database_is_not_restored(tmp_path: Path) -> None:
    one = DraftJournal.for_database(str(tmp_path / "a.sqlite3"), "centralist", root=tmp_path)
    two = DraftJournal.for_database(str(tmp_path / "b.sqlite3"), "centralist", root=tmp_path)
    one.save(CALL)
    assert two.load() is None and one.load() == CALL
    two.clear()
    assert one.load() == CALL


@pytest.mark.parametrize("user", ["../../etc", "a/b", "..", ".", "", "CON", "nul",
                                  "ad\\min", "jan.de.vries", "x" * 300, "~root", "é"])
def test_a_user_name_cannot_escape_its_folder(tmp_path: Path, user: str) -> None:
    path = DraftJournal.for_database("live.sqlite3", user, root=tmp_path).path
    assert path is not None
    folder = path.parent
    assert folder.parent == tmp_path and path.resolve().is_relative_to(tmp_path.resolve())
    assert folder.name not in ("", ".", "..") and not folder.name.startswith(".")
    assert len(folder.name) <= 60
    assert folder.name.upper() not in ("CON", "NUL")


def test_names_that_had_to_change_never_share_a_folder() -> None:
    assert safe_name("centralist") == "centralist"
    assert safe_name("a/b") != safe_name("a_b") != safe_name("a b")
    assert database_key("live.sqlite3") == database_key("live.sqlite3")


def test_a_relative_sqlite_url_names_the_file_it_opens(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir()
    two.mkdir()
    monkeypatch.chdir(one)
    here = database_key("sqlite:///live.db")
    assert here == database_key(str(one / "live.db")) == database_key("live.db")
    assert here == database_key(f"sqlite:///{one / 'live.db'}")
    monkeypatch.chdir(two)
    assert database_key("sqlite:///live.db") != here  # another folder's live.db
    assert database_key("sqlite:///live.db").startswith("live-")


def test_user_names_differing_in_case_never_share_a_folder(tmp_path: Path) -> None:
    paths = [DraftJournal.for_database("live.sqlite3", user, root=tmp_path).path
             for user in ("jan", "Jan", "JAN", "jAn")]
    assert len({str(p.parent.name).casefold() for p in paths if p is not None}) == 4
    assert safe_name("jan") == "jan" and safe_name("Jan").startswith("jan-")


def test_no_journal_keeps_nothing(tmp_path: Path) -> None:
    nothing = DraftJournal(None)
    nothing.save(CALL)
    assert nothing.load() is None
    nothing.set_aside()
    nothing.clear()
    assert not any(tmp_path.iterdir())


def test_the_user_slash_dot_dot_x_stays_in_the_drafts_folder(tmp_path: Path) -> None:
    journal = DraftJournal.for_database("live.sqlite3", "/../../x", root=tmp_path / "drafts")
    journal.save(CALL)
    assert journal.path is not None and journal.path.exists()
    assert journal.path.resolve().is_relative_to((tmp_path / "drafts").resolve())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["drafts"]  # nothing beside it


@pytest.mark.parametrize("text", [
    '{"location": ' * 1000 + "{}" + "}" * 1000,  # nested 1,000 levels deep
    "[" * 100_000 + "]" * 100_000,
    "{not json",
    '["a list, not an object"]',
    '{"caller": 5, "location": "here", "answers": []}',
])
def test_an_unreadable_draft_is_moved_aside_and_never_stops_a_start(
        tmp_path: Path, sqlite_url: str, ref: Reference, text: str) -> None:
    from tests.fixtures import open_core

    core = open_core(sqlite_url, ref)
    try:
        journal = DraftJournal.for_database(core.store.url, core.user, root=tmp_path)
        assert journal.path is not None
        journal.path.parent.mkdir(parents=True)
        journal.path.write_text(text, encoding="utf-8")
        session = IntakeSession(core, journal)
        assert session.recover() is False and session.is_empty()
        moved = journal.rejected
        assert moved is not None and moved.parent == journal.path.parent / "rejected"
        assert moved.read_text(encoding="utf-8") == text  # kept, never deleted
        assert not journal.path.exists()
        assert IntakeSession(core, journal).recover() is None  # the next start is clean
    finally:
        core.close()


def test_a_draft_too_big_or_not_a_file_is_moved_aside(tmp_path: Path) -> None:
    journal = DraftJournal(tmp_path / "u" / "live.json")
    assert journal.path is not None
    journal.path.parent.mkdir()
    with journal.path.open("wb") as fh:
        fh.truncate(64 * 1024 * 1024)
    assert journal.load() is None and journal.rejected is not None
    assert journal.rejected.stat().st_size == 64 * 1024 * 1024
    os.mkfifo(journal.path)
    assert journal.load() is None and not journal.path.exists()
