"""Call intake: the call being taken, as one object the dock, training and scripts drive."""

from meldkamer.intake.form import IntakeForm
from meldkamer.intake.session import IntakeSession, Outcome, Part, run_now

__all__ = ["IntakeForm", "IntakeSession", "Outcome", "Part", "run_now"]
