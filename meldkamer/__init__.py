"""meldkamer."""
