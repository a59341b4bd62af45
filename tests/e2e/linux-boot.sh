#!/bin/sh
# linux-boot.sh - boots Debian's stock kernel with the test initramfs of
# tests/images/ directly (-kernel/-initrd) and checks what the init script's
# "pacifica.test=smp" mode reports. One TAP line per boot:
#
#   ok - linux/smp2/noapic
#   not ok - linux/smp4 (nproc 3, expected 4; exit status 124: timed out after 300 s)
#
# Each boot runs
#   $PACIFICA -m 1G -smp N -kernel vmlinuz -initrd initrd.img -nographic -no-reboot
#             -append "console=ttyS0 pacifica.test=smp pacifica.hosttime=EPOCH [variant] [extra]"
# and passes when all of these hold:
#   - the emulator exits with status 0 (ACPI S5 power-off; a reset under -no-reboot
#     with acpi=off) before the timeout;
#   - the guest's nproc is N (1 with nolapic: no local APIC, no SMP);
#   - every CPU took timer interrupts (local APIC timer or IRQ 0);
#   - with clocksource=X, the kernel uses X (it falls back quietly when it rejects X);
#   - the guest's clock, when it reports it, is within DATE_TOLERANCE seconds of the
#     host's clock at the moment the line comes out;
#   - every workload process finished with the right SHA-256 (recomputed here);
#   - the kernel found the SMBIOS tables (its "DMI: ..." line);
#   - nothing in the kernel log (console and dmesg) says BUG, WARNING, panic, Oops,
#     soft lockup, hard LOCKUP, an RCU stall or a hung task.
#
# Usage: sh tests/e2e/linux-boot.sh [options]
#   --smp LIST        CPU counts to boot, comma-separated (default 1,2,4)
#   --variant V       kernel arguments that stress the platform, one of: plain, noapic,
#                     nolapic, acpi=off, clocksource=hpet, clocksource=acpi_pm, or
#                     "all" for every one; repeatable (default plain)
#   --append ARGS     more kernel arguments for every boot
#   --cpu MODEL       the emulator's -cpu (x86-64-v3 and max have the TSC-deadline
#                     APIC timer, which Linux then uses)
#   --repeat K        boot each configuration K times in a row (default 1)
#   --timeout S       seconds one boot may take (default $LINUX_BOOT_TIMEOUT or 300)
#   --expect-cpus N   the CPU count every boot must show, instead of the -smp value
#                     (QEMU's firmware lists only the boot CPU in its MP table, so
#                     acpi=off gives 1 CPU there; Pacifica's MP table lists them all)
#   --todo REASON     report failures as "not ok ... # TODO REASON" (expected to fail)
#   -h, --help        this text
#
# Environment:
#   PACIFICA                  the emulator (default build/pacifica); to check the test
#                             itself against Debian's QEMU: PACIFICA=tests/e2e/qemu-wrapper.sh
#   PACIFICA_KERNEL, PACIFICA_INITRD
#                             use these images instead of running tests/images/build.sh
#   LINUX_BOOT_LOGS           where each boot's serial output is kept
#                             (default build/tests/e2e/)
#   DATE_TOLERANCE            seconds (default 5)
#
# Exits 0 when every boot passed (or failed under --todo), 1 otherwise.

root=$(cd "$(dirname "$0")/../.." && pwd)
pacifica=${PACIFICA:-$root/build/pacifica}
log_dir=${LINUX_BOOT_LOGS:-$root/build/tests/e2e}
timeout_secs=${LINUX_BOOT_TIMEOUT:-300}
date_tolerance=${DATE_TOLERANCE:-5}
memory=1G
smp_list=1,2,4
variants=
extra_append=
repeat=1
todo=
expect_cpus=
cpu_model=

all_variants="plain noapic nolapic acpi=off clocksource=hpet clocksource=acpi_pm"
# What the kernel log must never say. "WARNING" also catches WARN() splats
# ("WARNING: CPU: 0 PID: 1 at ..."), "BUG" the "BUG: ..." reports.
bad_kernel_log='BUG|WARNING|panic|Oops|soft lockup|hard LOCKUP|detected stall|blocked for more than'

usage() {
    sed -n '2,/^$/p' "$0" | sed 's/^# \{0,1\}//'
}

die() {
    echo "linux-boot: $*" >&2
    exit 2
}

parse_args() {
    while [ $# -gt 0 ]; do
        case $1 in
        --smp | --variant | --append | --repeat | --timeout | --todo | --expect-cpus | --cpu)
            [ $# -ge 2 ] || die "$1 needs a value"
            ;;
        esac
        case $1 in
        --smp) smp_list=$2 ;;
        --variant)
            case $2 in
            all) variants="$variants $all_variants" ;;
            plain | noapic | nolapic | acpi=off | clocksource=hpet | clocksource=acpi_pm)
                variants="$variants $2"
                ;;
            *) die "unknown variant '$2' (known: $all_variants, all)" ;;
            esac
            ;;
        --append) extra_append="$extra_append $2" ;;
        --cpu) cpu_model=$2 ;;
        --repeat) repeat=$2 ;;
        --timeout) timeout_secs=$2 ;;
        --todo) todo=$2 ;;
        --expect-cpus) expect_cpus=$2 ;;
        -h | --help)
            usage
            exit 0
            ;;
        *) die "unknown argument '$1' (try --help)" ;;
        esac
        shift 2
    done
    variants=${variants:-plain}
    case $repeat in
    '' | *[!0-9]* | 0) die "--repeat needs a positive number" ;;
    esac
    case $smp_list in
    '' | *[!0-9,]*) die "--smp needs a comma-separated list of CPU counts" ;;
    esac
}

# Sets kernel and initrd, building the images if needed.
find_images() {
    if [ -n "${PACIFICA_KERNEL:-}" ] && [ -n "${PACIFICA_INITRD:-}" ]; then
        kernel=$PACIFICA_KERNEL
        initrd=$PACIFICA_INITRD
        return 0
    fi
    paths=$(sh "$root/tests/images/build.sh") || return 1
    kernel=$(echo "$paths" | sed -n 's/^kernel=//p')
    initrd=$(echo "$paths" | sed -n 's/^initrd=//p')
    [ -f "$kernel" ] && [ -f "$initrd" ]
}

# boot SMP APPEND LOG: runs the emulator, its serial output into LOG; leaves its
# exit status in LOG.status and the host's clock at the guest's "date" line in
# LOG.hostdate.
boot() {
    rm -f "$3.status" "$3.hostdate"
    {
        timeout -k 10 "$timeout_secs" "$pacifica" -m "$memory" -smp "$1" \
            ${cpu_model:+-cpu "$cpu_model"} -kernel "$kernel" -initrd "$initrd" -append "$2" \
            -nographic -no-reboot </dev/null 2>&1
        echo $? >"$3.status"
    } | while IFS= read -r line || [ -n "$line" ]; do
        printf '%s\n' "$line"
        case $line in
        *"pacifica: date "*) date +%s >"$3.hostdate" ;;
        esac
    done >"$3"
}

# report_value KEY LOG: the first word after "pacifica: KEY " in the last such line.
report_value() {
    sed -n "s/.*pacifica: $1 \([^ ]*\).*/\1/p" "$2" | tail -n 1
}

# field NAME LINE: the value of NAME=VALUE in LINE.
field() {
    echo "$2" | sed -n "s/.* $1=\([^ ]*\).*/\1/p"
}

# Appends a reason to $problems.
problem() {
    problems="${problems:+$problems; }$*"
}

check_exit() {
    status=$(cat "$1.status" 2>/dev/null)
    case $status in
    0) ;;
    124 | 137) problem "timed out after $timeout_secs s" ;;
    '') problem "no exit status" ;;
    *) problem "exit status $status" ;;
    esac
}

check_cpus() {
    log=$1
    expected=$2
    nproc=$(report_value nproc "$log")
    if [ -z "$nproc" ]; then
        problem "no nproc line"
    elif [ "$nproc" != "$expected" ]; then
        problem "nproc $nproc, expected $expected"
    fi
    ticks=$(grep 'pacifica: timer-ticks' "$log" | tail -n 1)
    if [ -z "$ticks" ]; then
        problem "no timer-ticks line"
        return
    fi
    cpus=0
    idle=
    for entry in ${ticks#*timer-ticks}; do
        cpus=$((cpus + 1))
        case ${entry#*=} in
        '' | 0) idle="$idle ${entry%%=*}" ;;
        esac
    done
    [ "$cpus" = "$expected" ] || problem "timer counts for $cpus CPUs, expected $expected"
    [ -z "$idle" ] || problem "no timer interrupts on$idle"
}

check_date() {
    log=$1
    guest=$(field guest "$(grep 'pacifica: date ' "$log" | tail -n 1)")
    host=$(cat "$log.hostdate" 2>/dev/null)
    if [ -z "$guest" ] || [ -z "$host" ]; then
        problem "no date line"
        return
    fi
    diff=$((guest - host))
    if [ "$diff" -gt "$date_tolerance" ] || [ "$diff" -lt "-$date_tolerance" ]; then
        problem "guest clock off by $diff s"
    fi
}

# check_clocksource LOG NAME: the kernel runs on the clocksource asked for.
check_clocksource() {
    current=$(field current "$(grep 'pacifica: clocksource ' "$1" | tail -n 1)")
    [ "$current" = "$2" ] || problem "clocksource ${current:-unknown}, not $2"
}

# Every workload process must have printed the hash of its numbers.
check_workload() {
    log=$1
    done_line=$(grep 'pacifica: workload done' "$log" | tail -n 1)
    if [ -z "$done_line" ]; then
        problem "workload did not finish"
        return
    fi
    workers=$(field workers "$done_line")
    results=$(grep -c 'pacifica: work i=' "$log")
    [ "$results" = "$workers" ] || problem "$results workload results for $workers processes"
    wrong=
    sed -n 's/.*pacifica: work \(i=.*\)/ \1/p' "$log" >"$log.work"
    while read -r line; do
        line=" $line"
        want=$(seq "$(field from "$line")" "$(field to "$line")" | sha256sum | cut -d' ' -f1)
        [ "$(field sha256 "$line")" = "$want" ] || wrong="$wrong $(field i "$line")"
    done <"$log.work"
    rm -f "$log.work"
    [ -z "$wrong" ] || problem "wrong workload results from process$wrong"
}

# The console and the dmesg dump, less the init's own lines and the command
# line (which may well name "panic=" or similar).
check_kernel_log() {
    bad=$(grep -v -e 'pacifica: ' -e 'Command line: ' "$1" | grep -E "$bad_kernel_log" | head -n 1)
    [ -z "$bad" ] || problem "kernel log: $(echo "$bad" | cut -c1-120)"
}

# check_dmi LOG: the kernel found the SMBIOS tables (dmi_scan prints "SMBIOS 2.8
# present." and the "DMI: <system>, BIOS ..." line) in the 0xF0000 segment.
check_dmi() {
    grep -q 'SMBIOS [0-9.]* present' "$1" || problem "the kernel found no SMBIOS tables"
    grep -q 'DMI: [^ ]' "$1" || problem "no DMI system line in the kernel log"
}

# run_one NAME SMP VARIANT: one boot, checked; prints its TAP line.
run_one() {
    tap_name=$1
    boot_smp=$2
    variant=$3
    expected_cpus=$boot_smp
    args=
    case $variant in
    plain) ;;
    nolapic)
        # Without a local APIC the kernel cannot start the other CPUs.
        args=$variant
        expected_cpus=1
        ;;
    *) args=$variant ;;
    esac
    expected_cpus=${expect_cpus:-$expected_cpus}
    log=$log_dir/$(echo "$tap_name" | sed 's,[/= ],-,g').log
    append="console=ttyS0 pacifica.test=smp pacifica.hosttime=$(date +%s)${args:+ $args}$extra_append"

    boot "$boot_smp" "$append" "$log"
    tr -d '\r' <"$log" >"$log.tmp" && mv "$log.tmp" "$log"
    problems=
    check_exit "$log"
    if grep -q 'pacifica: ready' "$log"; then
        check_cpus "$log" "$expected_cpus"
        check_date "$log"
        check_workload "$log"
        case $variant in
        clocksource=*) check_clocksource "$log" "${variant#clocksource=}" ;;
        esac
    else
        problem "the init script never started"
    fi
    check_kernel_log "$log"
    check_dmi "$log"
    rm -f "$log.status" "$log.hostdate"

    if [ -z "$problems" ]; then
        echo "ok - $tap_name"
        return 0
    fi
    echo "not ok - $tap_name ($problems)${todo:+ # TODO $todo}"
    echo "# serial output: $log; its last lines:"
    grep -v '^[[:space:]]*$' "$log" | tail -n 12 | sed 's/^/#   /'
    [ -n "$todo" ]
}

main() {
    parse_args "$@"
    command -v timeout >/dev/null || die "needs timeout (coreutils)"
    smps=$(echo "$smp_list" | tr ',' ' ')
    count=0
    for _ in $smps; do
        for _ in $variants; do
            count=$((count + repeat))
        done
    done
    echo "1..$count"
    mkdir -p "$log_dir" || exit 1
    if [ ! -x "$pacifica" ]; then
        echo "not ok - linux (no emulator at $pacifica)${todo:+ # TODO $todo}"
        [ -n "$todo" ]
        exit
    fi
    if ! find_images; then
        echo "not ok - linux (tests/images/build.sh could not build the guest images)"
        exit 1
    fi

    failed=0
    for smp in $smps; do
        for variant in $variants; do
            name=linux/smp$smp
            [ "$variant" = plain ] || name=$name/$variant
            run=1
            while [ "$run" -le "$repeat" ]; do
                label=$name
                [ "$repeat" = 1 ] || label="$name run $run/$repeat"
                run_one "$label" "$smp" "$variant" || failed=1
                run=$((run + 1))
            done
        done
    done
    exit $failed
}

main "$@"
