"""Item models over the core's plain views."""
