#!/usr/bin/env bash
# Make sure the Debian libraries Qt and QtWebEngine need are installed.
# Installs the missing ones with apt-get (through sudo when not root), or stops with
# the exact command to run. On systems without dpkg it does nothing.
set -euo pipefail

PACKAGES=(
  # Qt widgets (offscreen and on a screen)
  libgl1 libegl1 libxkbcommon0 libfontconfig1 libdbus-1-3 libglib2.0-0 fonts-dejavu-core
  # QtWebEngine (the map)
  libnss3 libxcomposite1 libxdamage1 libxrandr2 libxtst6 libasound2 libgbm1 libxkbfile1
  # Qt's xcb platform on a real or virtual screen
  libxkbcommon-x11-0 libxcb-cursor0
)

if ! command -v dpkg-query >/dev/null 2>&1; then
  exit 0
fi

missing=()
for pkg in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$pkg")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "meldkamer: installing system libraries Qt needs: ${missing[*]}" >&2
cmd=(apt-get install -y -q --no-install-recommends "${missing[@]}")
if [[ $(id -u) -eq 0 ]]; then
  apt-get update -q && "${cmd[@]}" && exit 0
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo apt-get update -q && sudo "${cmd[@]}" && exit 0
fi
echo "meldkamer: could not install them. Run this, then try again:" >&2
echo "  sudo apt-get update && sudo ${cmd[*]}" >&2
exit 1
