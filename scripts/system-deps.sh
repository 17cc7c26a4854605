#!/usr/bin/env bash
# Make sure the Debian libraries Qt and QtWebEngine need are installed.
# Installs the missing ones with apt-get (through sudo when not root), or stops with
# the exact command to run. On systems without dpkg it does nothing.
set -euo pipefail

# Every Debian package whose libraries PySide6's Qt (widgets, the xcb, wayland and
# offscreen platforms, the xcb GL integrations, image formats, input contexts) and
# QtWebEngine (with QtWebEngineProcess) link. Derived with ldd over those files and
# dpkg -S on each library found (scripts/derive-system-deps.sh does it again; run it
# after a PySide6 upgrade). Left out: what apt and dpkg themselves need (libc6, zlib1g...).
PACKAGES=(
  libasound2 libbrotli1 libbsd0 libcom-err2 libdbus-1-3 libdrm2 libegl1 libexpat1
  libfontconfig1 libfreetype6 libgbm1 libgl1 libglib2.0-0 libglvnd0 libglx0
  libgssapi-krb5-2 libk5crypto3 libkeyutils1 libkrb5-3 libkrb5support0 libnspr4 libnss3
  libpng16-16 libwayland-client0 libwayland-cursor0 libwayland-egl1 libwayland-server0
  libx11-6 libx11-xcb1 libxau6 libxcb-cursor0 libxcb-dri3-0 libxcb-glx0 libxcb-icccm4
  libxcb-image0 libxcb-keysyms1 libxcb-randr0 libxcb-render-util0 libxcb-render0
  libxcb-shape0 libxcb-shm0 libxcb-sync1 libxcb-util1 libxcb-xfixes0 libxcb-xkb1 libxcb1
  libxcomposite1 libxdamage1 libxdmcp6 libxext6 libxfixes3 libxkbcommon-x11-0
  libxkbcommon0 libxkbfile1 libxrandr2 libxrender1 libxtst6
  # Not linked, but fontconfig needs at least one font
  fonts-dejavu-core
  # Not linked: training speaks the caller's lines with it where it is installed
  espeak-ng
)
# `--test`: also the tools the test suite checks the app's output with (PDF pages).
if [[ "${1:-}" == "--test" ]]; then
  PACKAGES+=(poppler-utils)
fi

if ! command -v dpkg-query >/dev/null 2>&1; then
  exit 0
fi

installed=" $({ dpkg-query -W -f='${Package}=${Status}\n' "${PACKAGES[@]}" 2>/dev/null ||
  true; } | sed -n 's/=install ok installed$//p' | tr '\n' ' ') "
missing=()
for pkg in "${PACKAGES[@]}"; do
  [[ "$installed" == *" $pkg "* ]] || missing+=("$pkg")
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
