"""The header's attention badge: how many incidents need the operator now ("3 aandacht")."""

from __future__ import annotations

from meldkamer.i18n import tr
from ui import theme
from ui.qt import QLabel, Qt, QWidget


class AttentionBadge(QLabel):
    """A count of the flagged incidents; loud in the attention colour while there are any."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("attention_badge")
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.count = 0
        self.numbers: tuple[str, ...] = ()
        self.show_count(0)

    def show_count(self, count: int, numbers: tuple[str, ...] = ()) -> None:
        """Show how many incidents are flagged (and which, in the tooltip)."""
        self.count, self.numbers = count, numbers
        self.setText(tr("{count} attention", count=count))
        self.setToolTip(", ".join(numbers) if numbers
                        else tr("No incident needs attention"))
        # The same font and padding either way: only the colours change, so the size
        # follows the text alone.
        look = (f"background: {theme.ATTENTION['unattended']}; color: {theme.ATTENTION_TEXT};"
                if count else "color: palette(placeholder-text);")
        self.setStyleSheet(f"#attention_badge {{ {look} font-weight: bold; "
                           "border-radius: 8px; padding: 1px 10px; }")

    def retranslate(self) -> None:
        self.show_count(self.count, self.numbers)
