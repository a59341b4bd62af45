#!/bin/sh
# qemu-wrapper.sh - stands in for build/pacifica so that the guest test
# suite can be checked against Debian's QEMU (the reference):
#   PACIFICA=tests/guest/qemu-wrapper.sh sh tests/guest/run-guest-tests.sh
# Takes the Pacifica command line the runner uses (-bios FILE -nographic;
# any other argument is passed to QEMU unchanged) and runs QEMU with the
# machine contract of tests/guest/README.md: serial on stdio and
# isa-debug-exit at port 0xf4.
bios=
argc=$#
while [ "$argc" -gt 0 ]; do
    argc=$((argc - 1))
    case "$1" in
    -bios)
        bios=$2
        argc=$((argc - 1))
        shift 2
        ;;
    -nographic)
        shift
        ;;
    *)
        # Rotate the argument to the end: "$@" ends up holding only the
        # pass-through arguments, in their original order.
        set -- "$@" "$1"
        shift
        ;;
    esac
done
# Without -bios (a Multiboot -kernel test) QEMU's own SeaBIOS boots the kernel.
if [ -n "$bios" ]; then
    set -- -bios "$bios" "$@"
fi
# shellcheck disable=SC2086 # QEMU_EXTRA_ARGS (from NAME.qemu-args) is split on purpose
exec qemu-system-x86_64 $QEMU_EXTRA_ARGS -display none -serial stdio -monitor none \
    -device isa-debug-exit,iobase=0xf4,iosize=4 -no-reboot "$@"
