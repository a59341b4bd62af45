#!/bin/sh
# End-to-end checks of virtio-net and the net/ backends with Debian's kernel and the
# test initramfs (tests/images/, pacifica.test=net and netlink):
#   1. user: the guest gets 10.0.2.15 by DHCP, fetches a file over HTTP from a server
#      on the host's loopback (as 10.0.2.2), and the host reaches a guest listener
#      through hostfwd=tcp:127.0.0.1:PORT-:5555;
#   2. socket: two guests joined by -netdev socket (listen= / connect=) send a
#      payload from one to the other; both sides' sha256 must match.
# Prints one TAP line per check; exits 1 if any failed. Slow under the IR
# interpreter (minutes per boot; the two guests of check 2 boot at once).
#
# Environment:
#   PACIFICA                  the emulator (default build/pacifica)
#   PACIFICA_KERNEL, PACIFICA_INITRD, PACIFICA_BOOT, PACIFICA_ACCEL, PACIFICA_APPEND
#                             what to boot and how (PACIFICA_ACCEL: the Pacifica
#                             guests only): see tests/e2e/e2e-env.sh
#   PACIFICA_TIMEOUT          seconds before a boot counts as hung (default 900)
#   PACIFICA_NET_HTTP_LINES   lines in the file the guest fetches (default 20000,
#                             about 200 KB; its http-time line gives a throughput)
#   PACIFICA_NET_TESTS        which checks: "user socket" (default), or one of them
#   PACIFICA_PEER             the emulator of the connecting guest in the socket check
#                             (default $PACIFICA): tests/e2e/qemu-wrapper.sh links a
#                             Pacifica VM with a QEMU VM

root=$(cd "$(dirname "$0")/../.." && pwd) || exit 1
pacifica=${PACIFICA:-$root/build/pacifica}
peer=${PACIFICA_PEER:-$pacifica}
timeout_secs=${PACIFICA_TIMEOUT:-900}
logdir=$root/build/tests/e2e
mkdir -p "$logdir" || exit 1
work=$(mktemp -d) || exit 1
pids=
cleanup() {
    for pid in $pids; do
        kill "$pid" 2>/dev/null
    done
    rm -rf "$work"
}
trap cleanup EXIT
failed=0

# Sets kernel, initrd, accel_args, extra_append, log_tag.
# shellcheck source=tests/e2e/e2e-env.sh
. "$root/tests/e2e/e2e-env.sh"

# A TCP port nothing listens on now (the kernel picks it; a race with another
# program taking it meanwhile is unlikely and would only fail the test).
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_for FILE PATTERN SECONDS [PID]: until PATTERN appears in FILE; 1 on timeout
# or once process PID (the guest that writes FILE) has ended without it.
wait_for() {
    i=0
    while [ "$i" -lt "$3" ]; do
        grep -aq "$2" "$1" 2>/dev/null && return 0
        if [ -n "${4:-}" ] && ! kill -0 "$4" 2>/dev/null; then
            grep -aq "$2" "$1" 2>/dev/null
            return
        fi
        sleep 1
        i=$((i + 1))
    done
    return 1
}

ok() {
    echo "ok - net/$1"
}

# finish PID LOG: waits for the guest to power off; one that printed its last line
# but has not exited a minute later is stopped (a stuck shutdown is not a network
# failure: it is reported as a TAP comment). Sets status to the exit status.
finish() {
    if wait_for "$2" 'pacifica: poweroff' "$timeout_secs" "$1"; then
        i=0
        while kill -0 "$1" 2>/dev/null && [ "$i" -lt 60 ]; do
            sleep 1
            i=$((i + 1))
        done
        if kill -0 "$1" 2>/dev/null; then
            echo "# $2: the guest did not power off within 60 s; stopped"
            kill "$1"
        fi
    fi
    wait "$1"
    status=$?
}

check_kernel() {
    if grep -aqE 'BUG|WARNING|panic|Oops' "$1"; then
        not_ok "kernel" "kernel trouble in $1"
    fi
}

not_ok() {
    echo "not ok - net/$1 ($2)"
    failed=1
}

# boot LOG APPEND NETWORK-OPTIONS...: one guest in the background ($! is its pid).
# no_timer_check: on a loaded host the kernel's few-tick test of the IO-APIC timer
# route can miss its window and panic; the route itself is tested elsewhere.
boot() {
    boot_with "$pacifica" "$@"
}

boot_with() {
    emulator=$1
    log=$2
    append=$3
    shift 3
    accel=
    [ "$emulator" = "$pacifica" ] && accel=$accel_args
    # shellcheck disable=SC2086 # accel is "-accel VALUE" or nothing
    timeout -k 10 "$timeout_secs" "$emulator" -m 256M -kernel "$kernel" -initrd "$initrd" \
        -append "console=ttyS0 no_timer_check $append $extra_append" -nographic -no-reboot \
        $accel "$@" </dev/null >"$log" 2>&1 &
}

# ---- 1. user-mode network ----

test_user() {

mkdir -p "$work/www"
seq 1 "${PACIFICA_NET_HTTP_LINES:-20000}" | sed 's/^/line /' >"$work/www/pacifica-net.txt"
want_sha=$(sha256sum <"$work/www/pacifica-net.txt" | cut -d' ' -f1)
want_bytes=$(wc -c <"$work/www/pacifica-net.txt")
http_port=$(free_port)
(cd "$work/www" && exec python3 -m http.server --bind 127.0.0.1 "$http_port") \
    >"$work/http.log" 2>&1 &
pids="$pids $!"
fwd_port=$(free_port)
log=$logdir/net-user$log_tag.log
boot "$log" "pacifica.test=net pacifica.httpport=$http_port pacifica.listenport=5555" \
    -nic "user,model=virtio-net-pci,hostfwd=tcp:127.0.0.1:$fwd_port-:5555"
guest=$!
pids="$pids $guest"
host_got=
if wait_for "$log" 'pacifica: net listening' "$timeout_secs" "$guest"; then
    # The guest says it listens just before its nc does (on a slow backend, seconds
    # before): until nc is up, slirp's connection to the guest is refused and the host
    # side is closed at once, so the host connects through hostfwd again.
    host_got=$(python3 - "$fwd_port" "$timeout_secs" <<'EOF'
import socket, sys, time
deadline = time.monotonic() + min(float(sys.argv[2]), 600)
data = b""
while not data and time.monotonic() < deadline:
    try:
        s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=60)
        s.sendall(b"hello-from-host\n")
        while not data.endswith(b"\n"):
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        s.close()
    except OSError:
        pass
    if not data:
        time.sleep(2)
print(data.decode(errors="replace").strip())
EOF
)
fi
finish "$guest" "$log"

if grep -aq 'pacifica: net dhcp ip=10.0.2.15 .*router=10.0.2.2 dns=10.0.2.3' "$log"; then
    ok "user-dhcp"
else
    not_ok "user-dhcp" "no DHCP lease 10.0.2.15 via 10.0.2.2; see $log"
fi
if grep -aq "pacifica: net http status=HTTP/1.0 200 OK bytes=$want_bytes sha256=$want_sha" "$log"; then
    ok "user-http"
else
    not_ok "user-http" "the guest did not fetch the file intact; see $log"
fi
case $host_got in
pacifica-guest-listener*)
    if grep -aq 'pacifica: net served port=5555 got=hello-from-host' "$log"; then
        ok "user-hostfwd"
    else
        not_ok "user-hostfwd" "the guest did not get the host's line; see $log"
    fi
    ;;
*) not_ok "user-hostfwd" "host read '$host_got' through hostfwd; see $log" ;;
esac
[ "$status" -eq 0 ] || echo "# $log: exit status $status"
check_kernel "$log"
}

# ---- 2. socket link between two guests ----

test_socket() {

link_port=$(free_port)
log_a=$logdir/net-socket-listen$log_tag.log
log_b=$logdir/net-socket-connect$log_tag.log
boot "$log_a" "pacifica.test=netlink pacifica.netip=10.0.3.1/24" \
    -netdev "socket,id=link,listen=127.0.0.1:$link_port" -device virtio-net-pci,netdev=link
guest_a=$!
pids="$pids $guest_a"
# Its listening socket is bound at start-up, long before its guest boots.
sleep 2
boot_with "$peer" "$log_b" "pacifica.test=netlink pacifica.netip=10.0.3.2/24 pacifica.netpeer=10.0.3.1" \
    -netdev "socket,id=link,connect=127.0.0.1:$link_port" \
    -device virtio-net-pci,netdev=link,mac=52:54:00:12:34:57
guest_b=$!
pids="$pids $guest_b"
finish "$guest_b" "$log_b"
finish "$guest_a" "$log_a"
sent=$(sed -n 's/.*pacifica: netlink payload \(bytes=[0-9]* sha256=[0-9a-f]*\).*/\1/p' "$log_b")
got=$(sed -n 's/.*pacifica: netlink received \(bytes=[0-9]* sha256=[0-9a-f]*\).*/\1/p' "$log_a")
if [ -n "$sent" ] && [ "$sent" = "$got" ]; then
    ok "socket-link"
else
    not_ok "socket-link" "sent '$sent', received '$got'; see $log_a and $log_b"
fi

check_kernel "$log_a"
check_kernel "$log_b"
}

tests=${PACIFICA_NET_TESTS:-user socket}
case " $tests " in *" user "*) test_user ;; esac
case " $tests " in *" socket "*) test_socket ;; esac
exit "$failed"
