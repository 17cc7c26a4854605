"""The workstation's language: our gettext catalogues plus Qt's own (qtbase) translations.

Qt's standard buttons and context menus (Yes/No/OK/Cancel, Copy/Paste) come from the
``qtbase_<lang>.qm`` files that PySide6 ships, through a ``QTranslator``. Qt has no
Papiamentu catalogue: Papiamentu uses Qt's Dutch, as our own catalogue falls back to
Dutch. Widgets register their texts with a :class:`Texts` so a language switch
re-applies them without a restart.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

from meldkamer import i18n
from ui.qt import QApplication, QLibraryInfo, QLocale, QTranslator

QT_LANGUAGE = {"nl": "nl", "en": "en", "pap": "nl"}
QT_LOCALE = {"nl": "nl_NL", "en": "en_GB", "pap": "nl_NL"}
_installed: list[QTranslator] = []


def qt_translations_dir() -> str:
    return QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)


def install_qt_translations(app: QApplication, lang: str) -> bool:
    """Replace the Qt translator for ``lang``; False when Qt has no catalogue for it."""
    for old in _installed:
        app.removeTranslator(old)
    _installed.clear()
    QLocale.setDefault(QLocale(QT_LOCALE.get(lang, "en_GB")))
    qt_lang = QT_LANGUAGE.get(lang, "en")
    if qt_lang == "en":
        return True  # Qt's source strings are English
    translator = QTranslator(app)
    if not translator.load(f"qtbase_{qt_lang}", qt_translations_dir()):
        return False
    app.installTranslator(translator)
    _installed.append(translator)
    return True


def set_language(lang: str) -> None:
    """Switch our catalogues and Qt's together (Qt then sends LanguageChange events)."""
    i18n.set_language(lang)
    app = QApplication.instance()
    if isinstance(app, QApplication):
        install_qt_translations(app, lang)


class Texts:
    """A widget's translatable texts: each set once now and again on every switch."""

    def __init__(self) -> None:
        self._items: list[tuple[Callable[[], Any], str, dict[str, Any]]] = []

    def bind(self, setter: Callable[[str], Any], template: str, /, **fields: Any) -> str:
        """Call ``setter`` with the translated template now and after each language switch."""
        text = i18n.tr(template, **fields)
        setter(text)
        # A widget's own method is held weakly: the texts never keep a closed window alive.
        ref: Callable[[], Any] = weakref.WeakMethod(setter) if hasattr(setter, "__self__") \
            and not isinstance(setter, type(print)) else (lambda s=setter: s)
        self._items.append((ref, template, fields))
        return text

    def apply(self) -> None:
        """Set every registered text again in the current language."""
        for ref, template, fields in self._items:
            setter = ref()
            if setter is not None:
                setter(i18n.tr(template, **fields))
