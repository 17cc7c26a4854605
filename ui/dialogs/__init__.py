"""Small dialogs, one module each."""
