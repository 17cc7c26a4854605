"""The intake form and its draft-journal format."""

from __future__ import annotations

import pytest

from meldkamer.domain.lookup import LocationCandidate
from meldkamer.domain.reference import Reference
from meldkamer.errors import InvalidInput
from meldkamer.intake.form import IntakeForm, data_answer, from_draft, to_draft

RINCON = LocationCandidate("Dorp Rincon", "town", 12.23762, -68.33059, "BO", 100.0, "places")


def test_a_form_survives_the_journal_unchanged(ref: Reference) -> None:
    form = IntakeForm(caller="7171234", name="Marta", callback="7171235",
                      location_text="Dorp Rincon  [BO]", location=RINCON,
                      classification="BZ.INB.WON", class_text="BZ.INB.WON  Inbraak",
                      priority=1, priority_reason="wapen", answers={"in_progress": "ja"},
                      note="achterdeur open")
    assert from_draft(to_draft(form), ref) == form


def test_an_empty_form_is_empty_and_its_draft_says_so() -> None:
    assert IntakeForm().is_empty()
    assert not any(to_draft(IntakeForm()).values())
    assert not IntakeForm(location=RINCON).is_empty()
    assert not IntakeForm(note="x").is_empty()


def test_a_class_the_reference_data_dropped_stays_as_text(ref: Reference) -> None:
    form = from_draft({"classification": "XX.GONE", "class_text": "XX.GONE  Weg",
                       "priority": 1, "reason": "r", "answers": {"a": "b"}}, ref)
    assert form.classification is None and form.class_text == "XX.GONE  Weg"
    assert (form.priority, form.priority_reason, dict(form.answers)) == (None, "", {})


def test_an_unknown_priority_falls_back_to_the_class_default(ref: Reference) -> None:
    form = from_draft({"classification": "BZ.INB.WON", "priority": 7}, ref)
    assert form.priority == ref.classifications["BZ.INB.WON"].priority
    assert form.class_text == "BZ.INB.WON"


@pytest.mark.parametrize("draft", [
    {"location": "Rincon"},
    {"location": {"label": "x", "lat": 12.2}},
    {"location": {"label": "x", "lat": 200, "lon": -68.3}},
    {"caller": ["7171234"]},
    {"classification": "BZ.INB.WON", "answers": ["ja"]},
])
def test_a_damaged_draft_is_refused_whole(ref: Reference, draft: dict[str, object]) -> None:
    with pytest.raises(InvalidInput, match="cannot be restored"):
        from_draft(draft, ref)


def test_answers_are_kept_in_their_data_form(ref: Reference) -> None:
    question = ref.classifications["BZ.INB.WON"].questions[0]
    assert data_answer(question, " ja ") == "ja"
    assert data_answer(question, "JA") == "ja"
    assert data_answer(question, "") == ""
    with pytest.raises(InvalidInput, match="not an answer"):
        data_answer(question, "misschien")
    free = next(q for c in ref.classifications.values() for q in c.questions if not q.answers)
    assert data_answer(free, "richting Hato") == "richting Hato"
