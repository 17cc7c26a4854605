#!/usr/bin/env bash
# make installer: the one-folder bundle dist/meldkamer/ (PyInstaller, build files under
# build/), then dist/meldkamer-<version>-linux-x86_64.tar.gz holding the folder, the
# desktop entry, the icon and install.sh. PYTHON: the interpreter that has meldkamer and
# the 'installer' extra installed (default: python3).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}

version=$("$PYTHON" -m meldkamer --version | awk '{print $2}')
arch=$(uname -m)
name="meldkamer-${version}-linux-${arch}"

start=$(date +%s)
"$PYTHON" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath dist --workpath build/pyinstaller installer/meldkamer.spec
built=$(date +%s)

stage="build/tarball/${name}"
rm -rf "build/tarball"
mkdir -p "$stage"
cp -al dist/meldkamer "$stage/meldkamer"  # hard links: no second copy of 600 MB
install -m 0644 installer/linux/meldkamer.desktop installer/linux/meldkamer.svg "$stage/"
install -m 0755 installer/linux/install.sh "$stage/install.sh"
tar -C build/tarball -czf "dist/${name}.tar.gz" "$name"
done_at=$(date +%s)

unpacked=$(du -sm dist/meldkamer | cut -f1)
packed=$(du -m "dist/${name}.tar.gz" | cut -f1)
{
    echo "version      ${version}"
    echo "pyinstaller  $((built - start)) s"
    echo "tarball      $((done_at - built)) s"
    echo "unpacked     ${unpacked} MB (dist/meldkamer)"
    echo "packed       ${packed} MB (dist/${name}.tar.gz)"
} | tee build/installer-figures.txt
