#!/bin/sh
# vblk-guest.sh - end-to-end checks of virtio-blk with a small guest (make check):
# tests/guest/mb-vblk-writer.asm, a Multiboot kernel that drives the disk through the
# legacy virtio PCI interface, writes a known pattern (or writes in a loop), seconds
# under the IR interpreter where a Linux boot takes minutes.
#
#   fill-raw       the pattern lands in a raw image, the rest stays zero (also with
#                  the IR interpreter: fill-raw-interp)
#   fill-qcow2     the same on a fresh qcow2, which `qemu-img check` finds clean
#   qcow2-overlay  a qcow2 overlay on a raw base: the base is unchanged, the overlay is
#                  clean and holds the pattern over the base's bytes
#   sigkill-N      SIGKILL in the middle of the write loop on a qcow2, after N passes:
#                  `qemu-img check` may find leaked clusters (exit 3), never corruption
#
# One TAP line per check; exits 1 if any failed.
#
# Environment:
#   PACIFICA       the emulator (default build/pacifica)
#   ROM_DIR        where the guest is built (default build/tests/guest)

root=$(cd "$(dirname "$0")/../.." && pwd) || exit 1
pacifica=${PACIFICA:-$root/build/pacifica}
guest=${ROM_DIR:-$root/build/tests/guest}/mb-vblk-writer.bin
work=$(mktemp -d) || exit 1
vm=
trap '[ -n "$vm" ] && kill -KILL "$vm" 2>/dev/null; rm -rf "$work"' EXIT
failed=0

not_ok() {
    echo "not ok - vblk/$1 ($2)"
    failed=1
}

# Compares the first MiB of a raw image with the guest's pattern (block b, dword k =
# b << 12 | k) and the rest with FILL (a byte value).
cat >"$work/verify.py" <<'EOF'
import struct, sys
data = open(sys.argv[1], "rb").read()
fill = int(sys.argv[2])
want = b"".join(struct.pack("<1024I", *((b << 12) | k for k in range(1024))) for b in range(256))
if data[:len(want)] != want:
    sys.exit("the first MiB is not the guest's pattern")
if data[len(want):].strip(bytes([fill])):
    sys.exit("bytes past the pattern changed")
EOF

# fill NAME IMAGE FORMAT FILL [ARGS...]: runs the guest in fill mode on IMAGE (with
# more emulator ARGS), then checks its exit, its output and the image's contents
# (through qemu-img convert).
fill() {
    name=$1
    out=$work/$name.out
    image=$2
    format=$3
    byte=$4
    shift 4
    timeout 120 "$pacifica" -m 32 -kernel "$guest" -append fill -nographic "$@" \
        -drive "file=$image,format=$format,if=virtio" </dev/null >"$out" 2>&1
    status=$?
    # isa-debug-exit: the guest's 0 is status 1.
    if [ "$status" -ne 1 ] || ! grep -aq 'vblk: filled' "$out"; then
        not_ok "$name" "exit status $status: $(tr '\r\n' '  ' <"$out" | cut -c1-200)"
        return 1
    fi
    qemu-img convert -O raw -f "$format" "$image" "$work/$name.raw" || return 1
    if ! why=$(python3 "$work/verify.py" "$work/$name.raw" "$byte" 2>&1); then
        not_ok "$name" "$why"
        return 1
    fi
    return 0
}

# qemu_img_check NAME IMAGE ALLOWED...: `qemu-img check` exits with one of ALLOWED.
qemu_img_check() {
    name=$1
    image=$2
    shift 2
    report=$(qemu-img check "$image" 2>&1)
    status=$?
    for allowed in "$@"; do
        [ "$status" -eq "$allowed" ] && return 0
    done
    not_ok "$name" "qemu-img check exit $status: $(echo "$report" | tr '\n' ' ' | cut -c1-300)"
    return 1
}

raw=$work/disk.raw
truncate -s 4M "$raw"
fill fill-raw "$raw" raw 0 && echo "ok - vblk/fill-raw"
# The same under the IR interpreter, the other TCG backend.
truncate -s 0 "$raw"
truncate -s 4M "$raw"
fill fill-raw-interp "$raw" raw 0 -accel tcg,backend=interp && echo "ok - vblk/fill-raw-interp"

qcow=$work/disk.qcow2
qemu-img create -q -f qcow2 "$qcow" 4M || exit 1
fill fill-qcow2 "$qcow" qcow2 0 && qemu_img_check fill-qcow2 "$qcow" 0 &&
    echo "ok - vblk/fill-qcow2"

# A base of 0xab bytes under an overlay.
base=$work/base.raw
python3 -c 'import sys; sys.stdout.buffer.write(b"\xab" * (4 << 20))' >"$base"
cp "$base" "$work/base.orig"
overlay=$work/overlay.qcow2
qemu-img create -q -f qcow2 -b "$base" -F raw "$overlay" || exit 1
if fill qcow2-overlay "$overlay" qcow2 171 && qemu_img_check qcow2-overlay "$overlay" 0; then
    if cmp -s "$base" "$work/base.orig"; then
        echo "ok - vblk/qcow2-overlay"
    else
        not_ok qcow2-overlay "the base image changed"
    fi
fi

# sigkill PASSES: kills the write loop once it has reported PASSES passes.
sigkill() {
    name=sigkill-$1
    image=$work/$name.qcow2
    out=$work/$name.out
    qemu-img create -q -f qcow2 "$image" 64M || exit 1
    "$pacifica" -m 32 -kernel "$guest" -append loop -nographic \
        -drive "file=$image,format=qcow2,if=virtio" </dev/null >"$out" 2>&1 &
    vm=$!
    i=0
    while ! grep -aq "vblk: pass $1" "$out" && kill -0 "$vm" 2>/dev/null && [ $i -lt 600 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    kill -KILL "$vm" 2>/dev/null
    wait "$vm" 2>/dev/null
    vm=
    if ! grep -aq "vblk: pass $1" "$out"; then
        not_ok "$name" "the write loop did not reach pass $1: $(tr '\r\n' '  ' <"$out" | cut -c1-200)"
        return
    fi
    # 0: clean; 3: leaked clusters only, which a crash may leave (as with QEMU).
    qemu_img_check "$name" "$image" 0 3 && echo "ok - vblk/$name"
}

sigkill 1
sigkill 3
sigkill 6

exit $failed
