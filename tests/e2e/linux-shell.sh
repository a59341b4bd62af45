#!/bin/sh
# linux-shell.sh - checks what "make run" gives: tests/images/run.sh boots Debian's
# kernel to the busybox shell on the serial console. Once the shell's banner is out,
# this types a command into it (through the emulator's stdin) and then "poweroff",
# and checks that the command's output came back and that the emulator ended with
# status 0 (ACPI S5). One TAP line:
#
#   ok - linux/shell
#   not ok - linux/shell (no output from the command; exit status 124: timed out)
#
# Usage: sh tests/e2e/linux-shell.sh [--timeout S] [emulator options...]
#
# Environment: PACIFICA (default build/pacifica), PACIFICA_KERNEL/PACIFICA_INITRD
# are not used: run.sh builds or finds the images itself. LINUX_BOOT_LOGS is where
# the serial output is kept (default build/tests/e2e/).
# Exits 0 when the check passed.

root=$(cd "$(dirname "$0")/../.." && pwd)
log_dir=${LINUX_BOOT_LOGS:-$root/build/tests/e2e}
timeout_secs=${LINUX_BOOT_TIMEOUT:-300}
banner="Busybox shell on the console"

if [ "${1:-}" = --timeout ]; then
    [ $# -ge 2 ] || {
        echo "linux-shell: --timeout needs a value" >&2
        exit 2
    }
    timeout_secs=$2
    shift 2
fi

echo "1..1"
mkdir -p "$log_dir" || exit 1
log=$log_dir/linux-shell.log
work=$(mktemp -d) || exit 1
trap 'rm -rf "$work"' EXIT
mkfifo "$work/stdin" || exit 1
# Typing into an emulator that already ended must not kill this script.
trap '' PIPE

# The emulator reads the console's input from the FIFO; fd 3 keeps it open so that
# the emulator never sees end-of-file before "poweroff".
timeout -k 10 "$timeout_secs" sh "$root/tests/images/run.sh" -no-reboot "$@" \
    <"$work/stdin" >"$log" 2>&1 &
pid=$!
exec 3>"$work/stdin"

# Waits (while the emulator runs) for the shell's banner; then types.
waited=0
while ! grep -q "$banner" "$log" 2>/dev/null; do
    if ! kill -0 "$pid" 2>/dev/null || [ "$waited" -ge "$timeout_secs" ]; then
        break
    fi
    sleep 1
    waited=$((waited + 1))
done
# The shell prints its prompt after the banner; give it a moment to read input.
sleep 2
printf 'echo shell-says-$((6 * 7))\n' >&3 2>/dev/null
sleep 2
printf 'poweroff\n' >&3 2>/dev/null
wait "$pid"
status=$?
exec 3>&-

tr -d '\r' <"$log" >"$log.tmp" && mv "$log.tmp" "$log"
problems=
grep -q "$banner" "$log" || problems="no shell banner"
grep -q 'shell-says-42' "$log" || problems="${problems:+$problems; }no output from the command"
case $status in
0) ;;
124 | 137) problems="${problems:+$problems; }timed out after $timeout_secs s" ;;
*) problems="${problems:+$problems; }exit status $status" ;;
esac
if [ -z "$problems" ]; then
    echo "ok - linux/shell"
    exit 0
fi
echo "not ok - linux/shell ($problems)"
echo "# serial output: $log; its last lines:"
grep -v '^[[:space:]]*$' "$log" | tail -n 12 | sed 's/^/#   /'
exit 1
