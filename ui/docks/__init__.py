"""Dock widgets of the main window, one module each."""
