#!/bin/sh
# run.sh - boots the Linux test guest with a busybox shell on the serial console
# (what "make run" starts): the images of build.sh, built first if needed.
#
#   sh tests/images/run.sh [emulator options]      e.g. -smp 4
#
# Runs $PACIFICA (default build/pacifica) with
#   -m 1G -kernel vmlinuz -initrd initrd.img -append "console=ttyS0 $LINUX_APPEND"
#   -nographic [emulator options]
# Leaving the shell ("exit", Ctrl-D) or "poweroff" powers the guest off, which
# ends the emulator with status 0.
root=$(cd "$(dirname "$0")/../.." && pwd)
paths=$(sh "$root/tests/images/build.sh") || exit 1
kernel=$(echo "$paths" | sed -n 's/^kernel=//p')
initrd=$(echo "$paths" | sed -n 's/^initrd=//p')
exec "${PACIFICA:-$root/build/pacifica}" -m 1G -kernel "$kernel" -initrd "$initrd" \
    -append "console=ttyS0${LINUX_APPEND:+ $LINUX_APPEND}" -nographic "$@"
