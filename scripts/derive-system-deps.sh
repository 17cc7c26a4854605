#!/usr/bin/env bash
# Re-derive the Debian packages Qt needs, for PACKAGES in scripts/system-deps.sh.
#
# Runs ldd over the PySide6 modules the workstation imports, the Qt platform plugins
# (xcb, offscreen, wayland and its client plugins), the xcb GL integrations, image formats,
# icon engines, input contexts, the xdg portal theme and QtWebEngineProcess. ldd follows
# Qt's own libraries (they sit in PySide6/Qt/lib), so every library outside PySide6 that
# it names is a system library. Each found one maps to its package with `dpkg -S`; one
# that is not found (not installed here) maps with `apt-file search` when available, else
# by Debian's library package naming (libxcb-icccm.so.4 -> libxcb-icccm4), checked with
# apt-cache. Packages that apt and dpkg themselves depend on (libc6, libgcc-s1, zlib1g,
# ...) are on every Debian machine that can run apt-get, so they are left out.
#
# Usage: scripts/derive-system-deps.sh [path to site-packages/PySide6]
# Prints one package per line, sorted; guessed names go to stderr as well.
set -euo pipefail

pyside=${1:-}
if [[ -z "$pyside" ]]; then
  python=${PYTHON:-.venv/bin/python}
  pyside=$("$python" -c 'import os, PySide6; print(os.path.dirname(PySide6.__file__))')
fi
qt="$pyside/Qt"

targets=(
  "$pyside"/QtCore.abi3.so "$pyside"/QtGui.abi3.so "$pyside"/QtWidgets.abi3.so
  "$pyside"/QtNetwork.abi3.so "$pyside"/QtWebChannel.abi3.so
  "$pyside"/QtWebEngineCore.abi3.so "$pyside"/QtWebEngineWidgets.abi3.so
  "$qt"/libexec/QtWebEngineProcess
  "$qt"/plugins/platforms/libqxcb.so "$qt"/plugins/platforms/libqoffscreen.so
  "$qt"/plugins/platforms/libqwayland.so
  "$qt"/plugins/xcbglintegrations/*.so
  "$qt"/plugins/wayland-shell-integration/*.so
  "$qt"/plugins/wayland-decoration-client/*.so
  "$qt"/plugins/wayland-graphics-integration-client/*.so
  "$qt"/plugins/imageformats/*.so "$qt"/plugins/iconengines/*.so
  "$qt"/plugins/platforminputcontexts/*.so
  "$qt"/plugins/platformthemes/libqxdgdesktopportal.so
  "$qt"/plugins/tls/*.so
)

found=() missing=()
while read -r name arrow path _; do
  [[ "$arrow" == "=>" ]] || continue
  if [[ "$path" == "not" ]]; then
    missing+=("$name")
  elif [[ "$path" != "$pyside"/* && -e "$path" ]]; then
    found+=("$(realpath "$path")")
  fi
done < <(for t in "${targets[@]}"; do [[ -e "$t" ]] && ldd "$t"; done | sort -u)

packages=()
for path in $(printf '%s\n' "${found[@]}" | sort -u); do
  # usrmerge: dpkg may know the file under /usr/lib or under /lib.
  owner=$(dpkg -S "$path" 2>/dev/null || dpkg -S "${path#/usr}" 2>/dev/null || true)
  [[ -n "$owner" ]] && packages+=("${owner%%:*}")
done

for soname in $(printf '%s\n' "${missing[@]}" | sort -u); do
  pkg=""
  if command -v apt-file >/dev/null 2>&1; then
    pkg=$(apt-file search -l "/$soname" 2>/dev/null | head -n1)
  fi
  if [[ -z "$pkg" ]]; then
    # Debian policy 8.1: libfoo-bar.so.4 -> libfoo-bar4; libfoo2.so.1 -> libfoo2-1.
    base=${soname%%.so.*} version=${soname##*.so.}
    version=${version%%.*}
    if [[ "$base" =~ [0-9]$ ]]; then pkg="$base-$version"; else pkg="$base$version"; fi
    pkg=${pkg,,}
    pkg=${pkg//_/-}
    if apt-cache show "$pkg" >/dev/null 2>&1; then
      echo "derive-system-deps: $soname is not installed; by its name it is in $pkg" >&2
    else
      echo "derive-system-deps: $soname is not installed and no package $pkg exists" >&2
      continue
    fi
  fi
  packages+=("$pkg")
done

base=" $(apt-cache depends --recurse --installed --no-recommends --no-suggests \
  --no-conflicts --no-breaks --no-replaces --no-enhances apt dpkg 2>/dev/null |
  grep -v '^[ <]' | sed 's/:.*//' | sort -u | tr '\n' ' ') "
for pkg in $(printf '%s\n' "${packages[@]}" | sort -u); do
  [[ "$base" == *" $pkg "* ]] || echo "$pkg"
done
