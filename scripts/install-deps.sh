#!/bin/sh
# Installs the Debian packages Pacifica needs to build and test, if any are missing.
# Silent when everything is there. As root it installs them; otherwise it prints the
# command to run and fails. On a system without dpkg it does nothing: ./configure
# then reports what is missing.

# The compiler: build-essential, or at least its gcc, make and libc headers.
toolchain="gcc make libc6-dev"
# pkg-config and the libraries ./configure probes; nasm assembles the guest test ROMs;
# python3 runs the QMP end-to-end test client (tests/qmp/); gdb is driven by the gdb
# stub tests (tests/gdb/).
packages="pkg-config qemu-utils libglib2.0-dev libcapstone-dev libjson-glib-dev libsdl2-dev libpixman-1-dev libslirp-dev nasm python3 gdb"

if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "install-deps: not a Debian system: install a C compiler, make, pkg-config, nasm" \
        "and the development files of glib-2.0, capstone, json-glib, SDL2, pixman and libslirp" \
        "yourself (and python3 for the QMP tests)."
    exit 0
fi

is_installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

missing=
is_installed build-essential || packages="$toolchain $packages"
for pkg in $packages; do
    is_installed "$pkg" || missing="$missing $pkg"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
    echo "install-deps: missing Debian packages:$missing" >&2
    echo "install-deps: run as root:" >&2
    echo "  apt-get install -y --no-install-recommends$missing" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
echo "install-deps: installing$missing"
apt_install() {
    # shellcheck disable=SC2086 # one word per package
    apt-get install -y -qq --no-install-recommends $missing >/dev/null
}
# A fresh machine has no package lists yet; a stale list may name files the mirror
# no longer has. Update only then, so the common case stays offline and fast.
if ! ls /var/lib/apt/lists/*_Packages* >/dev/null 2>&1; then
    apt-get update -qq || exit 1
    apt_install || exit 1
elif ! apt_install; then
    apt-get update -qq || exit 1
    apt_install || exit 1
fi
