# shellcheck shell=sh disable=SC2034,SC2154 # sets variables for the script that sources it
# e2e-env.sh - sourced by tests/e2e/disk.sh and net.sh ($root set): what a run
# boots and on which backend.
#
# Environment:
#   PACIFICA_KERNEL, PACIFICA_INITRD
#                     images to boot instead of building them
#   PACIFICA_BOOT     which of the built kernels: "bzimage" (default, vmlinuz) or
#                     "pvh" (the uncompressed vmlinux, entered through its PVH note:
#                     no decompression, which saves most of the early boot on the
#                     IR interpreter)
#   PACIFICA_ACCEL    an -accel value for every boot, e.g. "tcg,backend=interp"
#   PACIFICA_APPEND   more kernel command-line options for every boot
#
# Sets kernel, initrd, accel_args (to be expanded unquoted: "-accel VALUE" or
# nothing), extra_append, and log_tag ("" or "-" and the backend) for log names, so
# that runs on two backends at once keep their own logs.

if [ -n "${PACIFICA_KERNEL:-}" ] && [ -n "${PACIFICA_INITRD:-}" ]; then
    kernel=$PACIFICA_KERNEL
    initrd=$PACIFICA_INITRD
else
    paths=$(sh "$root/tests/images/build.sh") || exit 1
    case ${PACIFICA_BOOT:-bzimage} in
    bzimage) kernel=$(echo "$paths" | sed -n 's/^kernel=//p') ;;
    pvh) kernel=$(echo "$paths" | sed -n 's/^vmlinux=//p') ;;
    *)
        echo "e2e: PACIFICA_BOOT='$PACIFICA_BOOT' is neither bzimage nor pvh" >&2
        exit 1
        ;;
    esac
    initrd=$(echo "$paths" | sed -n 's/^initrd=//p')
fi

accel_args=
log_tag=
if [ -n "${PACIFICA_ACCEL:-}" ]; then
    case $PACIFICA_ACCEL in
    *[!A-Za-z0-9,=_-]*)
        echo "e2e: PACIFICA_ACCEL='$PACIFICA_ACCEL' has characters an -accel value has not" >&2
        exit 1
        ;;
    esac
    accel_args="-accel $PACIFICA_ACCEL"
    log_tag=-$(echo "$PACIFICA_ACCEL" | sed 's/.*backend=//; s/[^A-Za-z0-9]/-/g')
fi
# On one line, whatever the spacing of PACIFICA_APPEND.
extra_append=$(printf "%s" "${PACIFICA_APPEND:-}" | tr -s " \n\t" " ")
