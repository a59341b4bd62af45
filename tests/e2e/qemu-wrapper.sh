#!/bin/sh
# qemu-wrapper.sh - stands in for build/pacifica so that the end-to-end tests and
# the guest images can be checked against Debian's QEMU (the reference):
#   PACIFICA=tests/e2e/qemu-wrapper.sh sh tests/e2e/linux-boot.sh
# Pacifica's command line is QEMU's for every option the tests use (-m, -smp,
# -kernel, -initrd, -append, -nographic, -no-reboot), so the arguments pass
# through unchanged; only the accelerator is pinned to TCG, the peer of
# Pacifica's translator (QEMU would otherwise pick KVM where it can).
# QEMU_EXTRA_ARGS adds options (e.g. "-rtc base=2020-01-01" to see a test fail).
# shellcheck disable=SC2086 # split on purpose
exec qemu-system-x86_64 -accel tcg $QEMU_EXTRA_ARGS "$@"
