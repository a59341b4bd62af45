# bench/lib.sh - what the benchmarks share; sourced by bench/boot, bench/io and
# shellcheck shell=bash disable=SC2034,SC2154 # the variables belong to the sourcing script
# bench/cpu after they set bench_name (for messages), root and qemu.

die() {
    echo "$bench_name: $*" >&2
    exit 2
}

usage() {
    sed -n '2,/^$/p' "$0" | sed 's/^# \{0,1\}//'
}

# Debian's QEMU is the peer; the benchmark installs it rather than skip.
ensure_qemu() {
    command -v "$qemu" >/dev/null && return 0
    [ "$qemu" = qemu-system-x86_64 ] || die "no $qemu"
    [ "$(id -u)" = 0 ] || die "needs Debian's QEMU: apt-get install qemu-system-x86 (as root)"
    echo "$bench_name: installing qemu-system-x86" >&2
    if ! ls /var/lib/apt/lists/*_Packages* >/dev/null 2>&1; then
        apt-get update -qq || die "apt-get update failed"
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        qemu-system-x86 >/dev/null || die "could not install qemu-system-x86"
}

# Sets kernel and initrd to $PACIFICA_KERNEL and $PACIFICA_INITRD when both are
# set, else to the image set of tests/images/ (built if needed).
find_images() {
    if [ -n "${PACIFICA_KERNEL:-}" ] && [ -n "${PACIFICA_INITRD:-}" ]; then
        kernel=$PACIFICA_KERNEL
        initrd=$PACIFICA_INITRD
        return
    fi
    local paths
    paths=$(sh "$root/tests/images/build.sh") || die "tests/images/build.sh failed"
    kernel=$(sed -n 's/^kernel=//p' <<<"$paths")
    initrd=$(sed -n 's/^initrd=//p' <<<"$paths")
}

# The median of the numbers on stdin, one a line; nothing for no numbers.
median() {
    sort -n | awk '{ v[NR] = $1 } END {
        if (NR == 0) exit
        if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2
    }'
}
