"""The operator workstation (PySide6). The only package that imports Qt."""
