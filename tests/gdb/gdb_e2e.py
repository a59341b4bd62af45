"""gdb stub end-to-end tests (run by run-gdb-tests.sh).

Pacifica runs tests/guest/gdb-target.asm, whose loop sits at fixed addresses:
loop_top 0x100040 (inc dword [counter]; call tick; ...), tick 0x100080 (add dword
[ticks3], 3; ret), counter 0x100100, ticks3 0x100104, poke 0x100108.

1. Debian's gdb in batch mode attaches to a paused 2-vCPU guest (-S): threads,
   hardware and software breakpoints, registers, memory read and write, stepi, a
   watchpoint, monitor commands, kill.
2. A raw remote-protocol client checks what gdb does not show: acks and '-' on bad
   checksums, malformed packets, Ctrl-C, vCont steps of exactly one instruction,
   into and out of an exception handler.
3. Junk, valid packets with wild arguments and abrupt disconnects while the guest
   runs; then the guest must still run and a new gdb attach.
"""
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import time

PACIFICA, KERNEL = sys.argv[1], sys.argv[2]
LOOP_TOP, TICK, COUNTER, TICKS3, POKE = 0x100040, 0x100080, 0x100100, 0x100104, 0x100108
FAULT_INSN, UD_HANDLER = 0x1000c0, 0x1000d0  # ud2; the #UD handler (add [esp], 2; iret)
IRQS = 0x10010c  # IRQ 0 count (the 8254 interrupts the loop at ~10 kHz)
# the loop, one instruction at a time: inc, call, add, ret, mov, jmp
LOOP_PCS = [LOOP_TOP, LOOP_TOP + 6, TICK, TICK + 7, LOOP_TOP + 11, LOOP_TOP + 17]
failures = 0


def report(name, ok, why=""):
    global failures
    if ok:
        print(f"ok - gdb/{name}")
    else:
        failures += 1
        print(f"not ok - gdb/{name}" + (f" ({why})" if why else ""))
    sys.stdout.flush()


class Vm:
    count = 0

    def __init__(self, workdir, *args):
        Vm.count += 1
        self.sock = os.path.join(workdir, f"gdb{Vm.count}.sock")
        self.log = open(os.path.join(workdir, "vm.log"), "w+")
        self.proc = subprocess.Popen(
            [PACIFICA, "-kernel", KERNEL, "-m", "32", "-display", "none",
             "-gdb", f"unix:{self.sock}", *args],
            stdout=self.log, stderr=subprocess.STDOUT)
        # the socket file appears at bind(), a moment before listen()
        for _ in range(100):
            try:
                probe = socket.socket(socket.AF_UNIX)
                probe.connect(self.sock)
                probe.close()
                return
            except OSError:
                probe.close()
                time.sleep(0.05)
        raise RuntimeError("the gdb socket did not appear")

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        if self.alive():
            self.proc.kill()
        self.proc.wait()
        self.log.close()


def run_gdb(sock, commands, timeout=60):
    script = "set pagination off\nset confirm off\n" + f"target remote {sock}\n" + commands
    with tempfile.NamedTemporaryFile("w", suffix=".gdb", delete=False) as f:
        f.write(script)
        path = f.name
    try:
        r = subprocess.run(["gdb", "-batch", "-nx", "-x", path], capture_output=True,
                           text=True, timeout=timeout)
        return r.stdout + r.stderr
    except subprocess.TimeoutExpired as e:
        return (e.stdout or b"").decode() + "\n<gdb timed out>"
    finally:
        os.unlink(path)


def expect(name, pattern, text):
    ok = re.search(pattern, text, re.M) is not None
    report(name, ok, "" if ok else f"no match for {pattern!r}")
    if not ok:
        for line in text.splitlines()[-25:]:
            print("#   " + line)


# ---- 1. gdb itself ----

GDB_SESSION = f"""
info threads
hbreak *{TICK:#x}
continue
p/x $pc
x/wx {COUNTER:#x}
info registers rsp
stepi
p/x $pc
delete
break *{LOOP_TOP:#x}
continue
p/x $pc
stepi
stepi
p/x $pc
delete
watch *(int*){TICKS3:#x}
continue
delete
set var *(int*){POKE:#x} = 0x1234
x/wx {POKE:#x}
monitor info status
thread 2
p/x $pc
kill
"""


def test_gdb_session(workdir):
    vm = Vm(workdir, "-S", "-smp", "2")
    try:
        out = run_gdb(vm.sock, GDB_SESSION)
        expect("threads", r"^\* 1 +Thread 1 .*\n +2 +Thread 2 ", out)
        expect("hbreak-hit", r"Thread 1 hit Breakpoint 1, 0x0+100080 in", out)
        expect("pc-at-breakpoint", r"^\$1 = 0x100080$", out)
        expect("memory-read", r"^0x100100:\s+0x00000001$", out)
        expect("register-read", r"^rsp +0x101ffc ", out)
        expect("stepi", r"^\$2 = 0x100087$", out)
        expect("break-hit", r"Thread 1 hit Breakpoint 2, 0x0+100040 in", out)
        expect("stepi-into-call", r"^\$4 = 0x100080$", out)
        expect("watchpoint", r"Hardware watchpoint 3: \*\(int\*\)0x100104\s+Old value = 3\s+"
               r"New value = 6", out)
        expect("memory-write", r"^0x100108:\s+0x00001234$", out)
        expect("monitor-command", r"VM status: paused", out)
        expect("second-thread", r"^\$5 = 0xfff0$", out)
        expect("kill", r"\[Inferior 1 \(Remote target\) killed\]", out)
        try:
            vm.proc.wait(timeout=10)
            report("kill-ends-process", vm.proc.returncode == 0,
                   f"exit status {vm.proc.returncode}")
        except subprocess.TimeoutExpired:
            report("kill-ends-process", False, "still running 10 s after kill")
    finally:
        vm.stop()


# ---- 2. the protocol, raw ----

class Rsp:
    """A minimal remote-protocol client (gdb manual, "Remote Protocol")."""

    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX)
        self.s.settimeout(10)
        self.s.connect(path)
        self.buf = b""

    def close(self):
        self.s.close()

    def raw(self, data):
        self.s.sendall(data)

    def send(self, payload):
        if isinstance(payload, str):
            payload = payload.encode()
        self.raw(b"$" + payload + b"#%02x" % (sum(payload) & 255))

    def read_byte(self):
        while not self.buf:
            chunk = self.s.recv(4096)
            if not chunk:
                raise ConnectionError("closed")
            self.buf += chunk
        b, self.buf = self.buf[:1], self.buf[1:]
        return b

    def packet(self):
        """The next packet's data, acks skipped; checks its checksum and acks it."""
        while self.read_byte() != b"$":
            pass
        data = b""
        while (c := self.read_byte()) != b"#":
            data += c
        cs = int(self.read_byte() + self.read_byte(), 16)
        assert cs == sum(data) & 255, "bad checksum from the stub"
        try:
            self.raw(b"+")
        except OSError:
            pass  # the stub hung up after its reply (D)
        return re.sub(rb"\}(.)", lambda m: bytes([m.group(1)[0] ^ 0x20]), data).decode("latin1")

    def ask(self, payload):
        self.send(payload)
        return self.packet()

    def read_u32(self, addr):
        r = self.ask(f"m{addr:x},4")
        return int.from_bytes(bytes.fromhex(r), "little")


def regs_pc(rsp):
    """rip from a 'g' reply of the x86-64 description (rip is after 16 64-bit GPRs)."""
    g = rsp.ask("g")
    return int.from_bytes(bytes.fromhex(g[16 * 16:17 * 16]), "little")


def test_protocol(workdir):
    vm = Vm(workdir, "-S")
    try:
        c = Rsp(vm.sock)
        c.raw(b"$?#00")
        ack = c.read_byte()
        report("bad-checksum-nack", ack == b"-", f"got {ack!r}")
        r = c.ask("qSupported:xmlRegisters=i386")
        report("qsupported", "PacketSize=1000" in r and "qXfer:features:read+" in r, r)
        xml = ""
        while True:
            r = c.ask(f"qXfer:features:read:target.xml:{len(xml):x},200")
            xml += r[1:]
            if r[0] == "l":
                break
        report("target-xml", "<architecture>i386:x86-64</architecture>" in xml and
               all(n in xml for n in ('"fs_base"', '"k_gs_base"', '"cr3"', '"ymm15h"', '"efer"')))
        report("stop-reason", c.ask("?") == "T05thread:01;")
        report("malformed-m", c.ask("mzz") .startswith("E"))
        report("huge-m", len(c.ask("m100000,ffffffffffffffff")) == 4096)
        report("unmapped-m", c.ask("mfffffffff0000000,10").startswith("E"))
        report("bad-register", c.ask("p999").startswith("E"))
        report("unknown-packet", c.ask("jfoo") == "")
        report("bad-vcont", c.ask("vCont;x").startswith("E"))
        report("bad-thread", c.ask("Hg99").startswith("E"))
        report("x-probe", c.ask("X100108,0:") == "OK")
        # run to loop_top, then vCont steps: one instruction each, into the call
        c.ask(f"Z0,{LOOP_TOP:x},1")
        c.send("c")
        report("continue-to-break", c.packet() == "T05thread:01;")
        pc0 = regs_pc(c)
        c.ask(f"z0,{LOOP_TOP:x},1")
        c.send("vCont;s:1;c")
        r1 = c.packet()
        pc1 = regs_pc(c)
        c.send("vCont;s:1;c")
        c.packet()
        pc2 = regs_pc(c)
        report("vcont-step", (pc0, pc1, pc2) == (LOOP_TOP, LOOP_TOP + 6, TICK) and
               r1 == "T05thread:01;", f"{pc0:#x} {pc1:#x} {pc2:#x} {r1}")
        # steps hold interrupts off: a dozen steps with the timer running follow the
        # loop exactly, never entering the IRQ handler; running, the handler runs
        irqs0 = c.read_u32(IRQS)
        pcs = [regs_pc(c)]
        for _ in range(12):
            c.send("vCont;s:1;c")
            c.packet()
            pcs.append(regs_pc(c))
        start = LOOP_PCS.index(pcs[0]) if pcs[0] in LOOP_PCS else 0
        want = [LOOP_PCS[(start + i) % len(LOOP_PCS)] for i in range(13)]
        report("step-masks-interrupts", pcs == want, " ".join(hex(v) for v in pcs))
        # read and access watchpoints (Z3, Z4): the loop reads counter in its inc and
        # mov, and writes it in the inc
        for kind, name in ((3, "rwatch"), (4, "awatch")):
            c.ask(f"Z{kind},{COUNTER:x},4")
            c.send("c")
            r = c.packet()
            c.ask(f"z{kind},{COUNTER:x},4")
            report(f"{name}point", r == f"T05thread:01;{name}:{COUNTER:x};", r)
        # Ctrl-C stops a running guest with SIGINT
        before = c.read_u32(COUNTER)
        c.send("c")
        time.sleep(0.3)
        c.raw(b"\x03")
        r = c.packet()
        after = c.read_u32(COUNTER)
        report("ctrl-c", r == "T02thread:01;" and after > before, f"{r} {before} {after}")
        irqs1 = c.read_u32(IRQS)
        report("interrupts-when-running", irqs1 > irqs0, f"{irqs0} {irqs1}")
        # a step of a faulting instruction stops on the handler's first instruction;
        # the handler's IRET steps back out
        set_rip = lambda v: c.ask("P10=" + v.to_bytes(8, "little").hex())
        set_rip(FAULT_INSN)
        steps = []
        for _ in range(3):
            c.send("vCont;s:1")
            c.packet()
            steps.append(regs_pc(c))
        report("step-into-exception", steps == [UD_HANDLER, UD_HANDLER + 4, FAULT_INSN + 2],
               " ".join(hex(v) for v in steps))
        set_rip(LOOP_TOP)
        report("detach", c.ask("D") == "OK")
        c.close()
    finally:
        vm.stop()


# ---- 3. junk while the guest runs ----

WILD_PACKETS = ["m", "M", "X", "g", "G", "p", "P", "Z0", "z0", "Z2", "z4", "Z9", "H", "T",
                "qXfer:features:read:", "qRcmd,", "qThreadExtraInfo,", "vCont;", "s", "c",
                "?", "Q", "qfThreadInfo", "vFile:open:", "D"]


def wild_packet(rng):
    head = rng.choice(WILD_PACKETS)
    tail = "".join(rng.choice("0123456789abcdefxyz,:;=-}*#$") for _ in range(rng.randrange(40)))
    if rng.random() < 0.2:
        tail = "ffffffffffffffff," + "f" * rng.randrange(1, 20)
    return (head + tail).encode()


def test_fuzz(workdir):
    vm = Vm(workdir)
    rng = random.Random(1234)
    try:
        for round_ in range(12):
            s = socket.socket(socket.AF_UNIX)
            s.settimeout(5)
            s.connect(vm.sock)
            for _ in range(40):
                kind = rng.random()
                if kind < 0.4:
                    data = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 600)))
                elif kind < 0.9:
                    p = wild_packet(rng)
                    cs = sum(p) & 255 if rng.random() < 0.8 else rng.randrange(256)
                    data = b"$" + p + b"#%02x" % cs
                else:
                    data = b"$" + b"m" * rng.randrange(5000, 20000)  # over-long, unfinished
                try:
                    s.sendall(data)
                except OSError:
                    break
            # read a little, then hang up abruptly (sometimes mid-packet)
            try:
                s.recv(65536)
            except OSError:
                pass
            if round_ % 3 == 0:
                try:
                    s.sendall(b"$qSupp")
                except OSError:
                    pass  # the stub hung up first (a wild D)
            s.close()
        time.sleep(0.2)
        report("fuzz-survives", vm.alive(), "the process ended")
        # the guest still runs: its counter moves between two attachments
        out1 = run_gdb(vm.sock, f"x/wx {COUNTER:#x}\ninfo registers eip\ndetach\n")
        time.sleep(0.3)
        out2 = run_gdb(vm.sock, f"x/wx {COUNTER:#x}\ndetach\n")
        v = [int(m.group(1), 16) for o in (out1, out2)
             for m in [re.search(r"^0x100100:\s+0x([0-9a-f]+)$", o, re.M)] if m]
        report("fuzz-new-gdb-attaches", len(v) == 2, out1[-300:] + out2[-300:])
        report("fuzz-guest-still-runs", len(v) == 2 and v[1] > v[0], f"{v}")
        # caught running 32-bit code: the i386 description
        expect("i386-description", r"^eip +0x1000[4-9a-e][0-9a-f] ", out1)
    finally:
        vm.stop()


def main():
    with tempfile.TemporaryDirectory() as workdir:
        for test in (test_gdb_session, test_protocol, test_fuzz):
            try:
                test(workdir)
            except Exception as e:  # a crash of the test counts as a failure
                report(test.__name__, False, f"{type(e).__name__}: {e}")
    sys.exit(1 if failures else 0)


main()
