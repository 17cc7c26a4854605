#!/bin/sh
# Install the meldkamer workstation from this unpacked tarball (no network needed).
#   sudo ./install.sh          per machine: /opt/meldkamer, /usr/share/applications
#   ./install.sh --user        this user only: ~/.local/opt/meldkamer, ~/.local/share
#   [sudo] ./install.sh --uninstall [--user]
# espeak-ng (training's spoken caller lines) is a system tool, not part of the bundle:
# install it from the system's packages (Debian: apt-get install espeak-ng).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
mode=system
action=install
for arg in "$@"; do
    case "$arg" in
        --user) mode=user ;;
        --uninstall) action=uninstall ;;
        -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
        *) echo "install.sh: unknown option $arg (try --help)" >&2; exit 2 ;;
    esac
done

if [ "$mode" = system ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "install.sh: a per-machine install needs root (sudo ./install.sh), or use --user" >&2
        exit 4
    fi
    prefix=/opt/meldkamer
    share=/usr/share
else
    prefix="$HOME/.local/opt/meldkamer"
    share="${XDG_DATA_HOME:-$HOME/.local/share}"
fi
apps="$share/applications"
icons="$share/icons/hicolor/scalable/apps"

if [ "$action" = uninstall ]; then
    rm -rf "$prefix"
    rm -f "$apps/meldkamer.desktop" "$icons/meldkamer.svg"
    if [ "$mode" = system ] && [ -L /usr/local/bin/meldkamer ]; then
        rm -f /usr/local/bin/meldkamer
    fi
    echo "meldkamer removed from $prefix (your databases and settings are kept)"
    exit 0
fi

# Copy beside the old folder, then swap, so a failed copy leaves the installed one intact.
mkdir -p "$(dirname "$prefix")" "$apps" "$icons"
rm -rf "$prefix.new"
cp -a "$here/meldkamer" "$prefix.new"
rm -rf "$prefix.old"
if [ -e "$prefix" ]; then mv "$prefix" "$prefix.old"; fi
mv "$prefix.new" "$prefix"
rm -rf "$prefix.old"
sed -e "s#/opt/meldkamer#$prefix#g" "$here/meldkamer.desktop" > "$apps/meldkamer.desktop"
chmod 0644 "$apps/meldkamer.desktop"
install -m 0644 "$here/meldkamer.svg" "$icons/meldkamer.svg"
if command -v update-desktop-database >/dev/null 2>&1; then
    update-desktop-database -q "$apps" || true
fi
if [ "$mode" = system ]; then
    ln -sf "$prefix/meldkamer" /usr/local/bin/meldkamer
fi
echo "meldkamer $("$prefix/meldkamer" --version | cut -d' ' -f2) installed in $prefix"
command -v espeak-ng >/dev/null 2>&1 || \
    echo "note: espeak-ng is not installed: training scenarios play silently (apt-get install espeak-ng)"
