#!/bin/sh
# build.sh - builds the Linux guest image set of the end-to-end tests from
# Debian's own packages, without root, into a cache outside git:
#
#   vmlinuz      the stock kernel of linux-image-amd64's current version
#   vmlinux      the same kernel uncompressed (an ELF file with a PVH entry), taken
#                out of vmlinuz by extract-vmlinux.py: -kernel boots it without the
#                bzImage's decompression, which matters on the IR interpreter
#   initrd.img   busybox-static, that kernel's virtio modules, tests/images/init
#   config       that kernel's configuration, for reference
#   System.map   that kernel's symbols, read from its kallsyms tables by kallsyms.py
#                (the package's own is a placeholder), for gdb (docs/gdb.md)
#
# and prints their paths on stdout as "kernel=PATH", "initrd=PATH",
# "system_map=PATH" and "vmlinux=PATH"; progress
# goes to stderr. A second run with the same package versions and recipe does
# nothing but print the paths (a stamp file records what was built).
#
#   sh tests/images/build.sh [--force]
#
# Environment:
#   PACIFICA_IMAGES          cache directory (default
#                            ${XDG_CACHE_HOME:-$HOME/.cache}/pacifica/images); one
#                            subdirectory per kernel release, e.g. 6.1.0-56-amd64
#   PACIFICA_KERNEL_PACKAGE  a versioned kernel package to use instead of the one
#                            linux-image-amd64 depends on (linux-image-6.1.0-56-amd64)
#
# Without package lists (a fresh machine) it runs apt-get update if root, and
# otherwise falls back to the newest image set already in the cache.
set -eu

recipe_dir=$(cd "$(dirname "$0")" && pwd)
base=${PACIFICA_IMAGES:-${XDG_CACHE_HOME:-$HOME/.cache}/pacifica/images}
force=0

# The modules /init loads: virtio over PCI and the devices Pacifica offers or
# will. Their dependencies (virtio_ring, failover...) come along by themselves.
modules="virtio virtio_ring virtio_pci virtio_blk virtio_net virtio_rng virtio_console"
# Split out of virtio_pci in some kernel versions only.
optional_modules="virtio_pci_modern_dev virtio_pci_legacy_dev net_failover failover"

log() {
    echo "images: $*" >&2
}

die() {
    log "$*"
    exit 1
}

is_root() {
    [ "$(id -u)" = 0 ]
}

have_package_lists() {
    ls /var/lib/apt/lists/*_Packages* >/dev/null 2>&1
}

# Sets info to apt's record of the candidate versions of PACKAGE... (one
# apt-cache run: each one parses all the package lists, which takes seconds).
read_records() {
    info=$(apt-cache show --no-all-versions "$@" 2>/dev/null)
}

# record_field PACKAGE FIELD: that field of PACKAGE's record in $info.
record_field() {
    echo "$info" | awk -v pkg="$1" -v field="$2:" '
        $1 == "Package:" { current = $2 }
        current == pkg && $1 == field { sub(/^[^:]*: */, ""); print; exit }'
}

# Sets kernel_pkg and kernel_version: the versioned kernel package
# (linux-image-6.1.0-56-amd64) that the linux-image-amd64 metapackage depends
# on, at the version it names (its Depends: is "linux-image-X (= VERSION)"),
# or $PACIFICA_KERNEL_PACKAGE at its candidate version.
resolve_kernel() {
    if [ -n "${PACIFICA_KERNEL_PACKAGE:-}" ]; then
        kernel_pkg=$PACIFICA_KERNEL_PACKAGE
        read_records "$kernel_pkg" busybox-static
        kernel_version=$(record_field "$kernel_pkg" Version)
        return
    fi
    read_records linux-image-amd64 busybox-static
    dependency=$(record_field linux-image-amd64 Depends | tr ',' '\n' |
        sed -n 's/^ *\(linux-image-[0-9][^ ]*\) *\((= *\([^)]*\))\)\{0,1\}.*/\1 \3/p' | head -n 1)
    kernel_pkg=${dependency%% *}
    kernel_version=${dependency#* }
    if [ -n "$kernel_pkg" ] && [ -z "$kernel_version" ]; then
        kernel_version=$(apt-cache policy "$kernel_pkg" 2>/dev/null |
            awk '$1 == "Candidate:" && $2 != "(none)" { print $2; exit }')
    fi
}

# Sets kernel_pkg, kernel_version, busybox_version, release, out and stamp from
# the package lists; fails when apt cannot name them.
resolve_packages() {
    resolve_kernel
    busybox_version=$(record_field busybox-static Version)
    [ -n "$kernel_pkg" ] && [ -n "$kernel_version" ] && [ -n "$busybox_version" ] || return 1
    release=${kernel_pkg#linux-image-}
    out=$base/$release
    # The recipe's own files are part of the stamp: editing /init rebuilds.
    recipe=$(cat "$recipe_dir/build.sh" "$recipe_dir/init" "$recipe_dir/mkinitramfs.py" \
        "$recipe_dir/kallsyms.py" |
        sha256sum | cut -c1-16)
    stamp=$(printf '%s %s\nbusybox-static %s\nrecipe %s\n' \
        "$kernel_pkg" "$kernel_version" "$busybox_version" "$recipe")
}

# ensure_vmlinux DIR: extracts DIR/vmlinux from DIR/vmlinuz unless it is already
# there (also for an image set cached before vmlinux was part of it).
ensure_vmlinux() {
    if [ ! -f "$1/vmlinux" ] || [ "$1/vmlinuz" -nt "$1/vmlinux" ]; then
        log "extracting vmlinux from $1/vmlinuz"
        python3 "$recipe_dir/extract-vmlinux.py" "$1/vmlinuz" "$1/vmlinux" ||
            die "cannot extract vmlinux from $1/vmlinuz"
    fi
}

print_paths() {
    ensure_vmlinux "$1"
    echo "kernel=$1/vmlinuz"
    echo "initrd=$1/initrd.img"
    echo "system_map=$1/System.map"
    echo "vmlinux=$1/vmlinux"
}

cache_is_valid() {
    [ -f "$out/vmlinuz" ] && [ -f "$out/initrd.img" ] && [ -f "$out/System.map" ] &&
        [ -f "$out/stamp" ] &&
        [ "$(cat "$out/stamp")" = "$stamp" ]
}

# The newest complete image set in the cache, for a machine where apt cannot
# resolve the packages (no lists, not root).
newest_cached() {
    # shellcheck disable=SC2012 # names are ours: kernel release strings
    ls -td "$base"/*/stamp 2>/dev/null | head -n 1 | sed 's,/stamp$,,'
}

# download DIR: fetches both packages at the resolved versions into DIR.
download() {
    # As root apt drops to the _apt user to download, which cannot write into a
    # directory of ours; downloading as root is what it would fall back to anyway.
    sandbox=
    if is_root; then
        sandbox="-o APT::Sandbox::User=root"
    fi
    # shellcheck disable=SC2086 # $sandbox is two words or none
    (cd "$1" && apt-get download -q $sandbox \
        "$kernel_pkg=$kernel_version" "busybox-static=$busybox_version" >&2)
}

# first_existing PATH...: the first of the paths that exists (Debian moved
# /lib and /bin under /usr in later releases).
first_existing() {
    for path in "$@"; do
        if [ -e "$path" ]; then
            echo "$path"
            return
        fi
    done
    return 1
}

# build TMP: builds the image set in TMP from the downloaded packages, then
# moves it into $out.
build() {
    tmp=$1
    log "extracting $kernel_pkg $kernel_version and busybox-static $busybox_version"
    dpkg-deb -x "$tmp"/linux-image-*.deb "$tmp/kernel"
    dpkg-deb -x "$tmp"/busybox-static_*.deb "$tmp/busybox"
    modules_dir=$(first_existing "$tmp/kernel/lib/modules/$release" \
        "$tmp/kernel/usr/lib/modules/$release") || die "no modules for $release in $kernel_pkg"
    busybox=$(first_existing "$tmp/busybox/bin/busybox" "$tmp/busybox/usr/bin/busybox") ||
        die "no busybox binary in busybox-static"

    mkdir -p "$tmp/out"
    cp "$tmp/kernel/boot/vmlinuz-$release" "$tmp/out/vmlinuz"
    cp "$tmp/kernel/boot/config-$release" "$tmp/out/config"
    python3 "$recipe_dir/kallsyms.py" "$tmp/out/vmlinuz" >"$tmp/out/System.map"
    set --
    for m in $modules; do
        set -- "$@" --module "$m"
    done
    for m in $optional_modules; do
        set -- "$@" --optional-module "$m"
    done
    python3 "$recipe_dir/mkinitramfs.py" --modules-dir "$modules_dir" --busybox "$busybox" \
        --init "$recipe_dir/init" --output "$tmp/out/initrd.img" "$@"
    echo "$stamp" >"$tmp/out/stamp"

    rm -rf "$out"
    mv "$tmp/out" "$out"
}

# Resolves, then builds unless the cache already holds that image set. Sets
# result to ok, unresolved or download-failed (a download fails when the lists
# are older than the mirror). Called plainly, never in an "||" list, so that
# set -e still stops the build at its first failing command.
build_if_needed() {
    result=unresolved
    resolve_packages || return 0
    result=ok
    if [ "$force" = 0 ] && cache_is_valid; then
        return 0
    fi
    tmp=$(mktemp -d "$base/.build.XXXXXX")
    # shellcheck disable=SC2064 # expand $tmp now: it is reassigned on a retry
    trap "rm -rf '$tmp'" EXIT
    log "downloading $kernel_pkg $kernel_version and busybox-static $busybox_version"
    if ! download "$tmp"; then
        rm -rf "$tmp"
        result=download-failed
        return 0
    fi
    build "$tmp"
    rm -rf "$tmp"
    log "built $out"
}

main() {
    for arg in "$@"; do
        case $arg in
        --force) force=1 ;;
        -h | --help)
            sed -n '2,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//'
            exit 0
            ;;
        *) die "unknown argument '$arg' (try --help)" ;;
        esac
    done
    for tool in apt-get apt-cache dpkg-deb python3 sha256sum; do
        command -v "$tool" >/dev/null || die "needs $tool (a Debian system with python3)"
    done
    mkdir -p "$base"

    # One build at a time per cache (two test runs may start together).
    if command -v flock >/dev/null; then
        exec 9>"$base/.lock"
        flock 9
    fi

    updated=0
    if ! have_package_lists && is_root; then
        log "no package lists: apt-get update"
        apt-get update -qq >&2 && updated=1
    fi
    build_if_needed
    if [ "$result" = download-failed ] && is_root && [ "$updated" = 0 ]; then
        # Lists older than the mirror name files it no longer has.
        log "download failed: apt-get update and retry"
        apt-get update -qq >&2
        build_if_needed
    fi
    case $result in
    ok) print_paths "$out" ;;
    *)
        cached=$(newest_cached)
        [ -n "$cached" ] || die "cannot resolve or download the packages, and $base holds no image set"
        log "cannot resolve or download the packages: using the cached $cached"
        print_paths "$cached"
        ;;
    esac
}

main "$@"
