"""Control-room themes: dark by default (easy on the eyes at 3 a.m.), light available."""

from __future__ import annotations

from ui.qt import QApplication, QColor, QPalette

DARK = {
    QPalette.ColorRole.Window: "#1e2227",
    QPalette.ColorRole.WindowText: "#e6e6e6",
    QPalette.ColorRole.Base: "#15181c",
    QPalette.ColorRole.AlternateBase: "#1b1f24",
    QPalette.ColorRole.ToolTipBase: "#2b3036",
    QPalette.ColorRole.ToolTipText: "#e6e6e6",
    QPalette.ColorRole.Text: "#e6e6e6",
    QPalette.ColorRole.Button: "#2b3036",
    QPalette.ColorRole.ButtonText: "#e6e6e6",
    QPalette.ColorRole.Highlight: "#3d6fb6",
    QPalette.ColorRole.HighlightedText: "#ffffff",
    QPalette.ColorRole.PlaceholderText: "#8a9099",
    # Links and revealed answers (the caller panel): light enough to read on the dark base.
    QPalette.ColorRole.Link: "#7cb7ff",
    QPalette.ColorRole.LinkVisited: "#c3a6ff",
}


# Incidents with an attention flag (meldkamer.domain.attention): the whole row in a colour
# no priority uses, with dark text, so it is seen from across the room in either theme.
# The first code of the incident's flags picks the colour.
ATTENTION = {"unattended": "#ffca28", "overdue": "#ff80ab"}
ATTENTION_TEXT = "#111111"
ATTENTION_HEADER = "#ffb300"  # the attention line in the detail header, on either theme


def attention_colour(codes: tuple[str, ...] | list[str]) -> str | None:
    """The row colour for an incident's attention flags (None: no flag)."""
    for code in codes:
        if code in ATTENTION:
            return ATTENTION[code]
    return None


BASE_POINT_SIZE = 10.0


def apply_font(app: QApplication, scale: float) -> None:
    """Scale the application font (the operator's eyes, the room's screens)."""
    font = app.font()
    font.setPointSizeF(BASE_POINT_SIZE * scale)
    app.setFont(font)


def apply(app: QApplication, name: str = "dark") -> None:
    """Use the Fusion style with the named palette."""
    app.setStyle("Fusion")
    if name != "dark":
        app.setPalette(app.style().standardPalette())
        return
    palette = QPalette()
    for role, colour in DARK.items():
        palette.setColor(role, QColor(colour))
    app.setPalette(palette)
