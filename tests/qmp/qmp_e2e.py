#!/usr/bin/env python3
"""End-to-end QMP test: starts Pacifica on a guest ROM that counts timer ticks, drives
it over a Unix socket (QMP) and a second one (text monitor), and prints one TAP-style
line per check: "ok - NAME" or "not ok - NAME (why)". Exit status 0 if all passed.

    python3 tests/qmp/qmp_e2e.py PACIFICA ROM

The ROM (tests/guest/idle.asm) counts IRQ 0 ticks in the dword at 0x1000; reading it
twice with "xp" tells whether the guest runs."""

import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time

TIMEOUT = 10.0
TICKS_ADDR = 0x1000


class Failure(Exception):
    pass


def check(cond, why):
    if not cond:
        raise Failure(why)


class QmpClient:
    """A minimal QMP client: one JSON text per line from the server."""

    def __init__(self, path, negotiate=True):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(TIMEOUT)
        self.sock.connect(path)
        self.buf = b""
        self.events = []
        self.greeting = self.read_message()
        if negotiate:
            ret = self.command("qmp_capabilities")
            check(ret == {}, "qmp_capabilities returned %r" % (ret,))

    def close(self):
        self.sock.close()

    def send_raw(self, data):
        self.sock.sendall(data)

    def read_message(self):
        while b"\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise Failure("the server closed the connection")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        try:
            return json.loads(line)
        except ValueError:
            raise Failure("the server sent a line that is not JSON: %r" % line[:200])

    def read_reply(self):
        """The next reply (return or error), keeping the events seen before it."""
        while True:
            msg = self.read_message()
            if "event" in msg:
                check("timestamp" in msg, "event without timestamp: %r" % msg)
                self.events.append(msg)
                continue
            return msg

    def execute(self, name, args=None, msg_id=None):
        req = {"execute": name}
        if args is not None:
            req["arguments"] = args
        if msg_id is not None:
            req["id"] = msg_id
        self.send_raw(json.dumps(req).encode())
        return self.read_reply()

    def command(self, name, args=None):
        reply = self.execute(name, args)
        check("return" in reply, "%s failed: %r" % (name, reply))
        return reply["return"]

    def error(self, name, args=None, cls="GenericError", part=""):
        reply = self.execute(name, args)
        return expect_error(reply, cls, part)

    def hmp(self, line):
        return self.command("human-monitor-command", {"command-line": line})

    def wait_event(self, name):
        deadline = time.time() + TIMEOUT
        while True:
            for i, ev in enumerate(self.events):
                if ev["event"] == name:
                    return self.events.pop(i)
            if time.time() > deadline:
                raise Failure("no %s event" % name)
            msg = self.read_message()
            check("event" in msg, "unexpected message %r" % msg)
            self.events.append(msg)

    def ticks(self):
        out = self.hmp("xp /1xw 0x%x" % TICKS_ADDR)
        check(out.endswith("\r\n") and ": 0x" in out, "xp output %r" % out)
        return int(out.split(": ")[1], 16)


def expect_error(reply, cls, part):
    check("error" in reply, "expected an error, got %r" % (reply,))
    err = reply["error"]
    check(err.get("class") == cls, "error class %r, want %r" % (err.get("class"), cls))
    check(part in err.get("desc", ""), "error desc %r lacks %r" % (err.get("desc"), part))
    return err


def wait_for_socket(path, proc):
    deadline = time.time() + TIMEOUT
    while not os.path.exists(path):
        if proc.poll() is not None or time.time() > deadline:
            raise Failure("%s never appeared" % path)
        time.sleep(0.05)


def guest_is_running(c):
    first = c.ticks()
    deadline = time.time() + TIMEOUT
    while time.time() < deadline:
        time.sleep(0.1)
        if c.ticks() != first:
            return True
    return False


class Suite:
    def __init__(self, pacifica, rom):
        self.pacifica = pacifica
        self.rom = rom
        self.failed = 0
        self.dir = tempfile.mkdtemp(prefix="pacifica-qmp-")
        self.qmp_path = os.path.join(self.dir, "qmp.sock")
        self.hmp_path = os.path.join(self.dir, "hmp.sock")
        self.serial = os.path.join(self.dir, "serial.txt")
        self.proc = None
        self.c = None

    def run(self, name, fn):
        try:
            fn()
            print("ok - %s" % name)
        except (Failure, OSError, ValueError, KeyError, TypeError) as e:
            self.failed += 1
            print("not ok - %s (%s)" % (name, e))
        sys.stdout.flush()

    # ---- start ----

    def t_start(self):
        args = [self.pacifica, "-bios", self.rom, "-display", "none", "-smp", "2",
                "-serial", "file:" + self.serial,
                "-qmp", "unix:%s,server=on,wait=off" % self.qmp_path,
                "-monitor", "unix:%s,server,nowait" % self.hmp_path]
        self.stderr = open(os.path.join(self.dir, "stderr.txt"), "w+")
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=self.stderr)
        wait_for_socket(self.qmp_path, self.proc)
        wait_for_socket(self.hmp_path, self.proc)

    def t_greeting(self):
        c = QmpClient(self.qmp_path, negotiate=False)
        qmp = c.greeting.get("QMP")
        check(qmp is not None, "greeting %r" % c.greeting)
        ver = qmp["version"]["qemu"]
        check(all(k in ver for k in ("major", "minor", "micro")), "version %r" % ver)
        check(qmp["capabilities"] == [], "capabilities %r" % qmp["capabilities"])
        # Nothing runs before negotiation.
        expect_error(c.execute("stop"), "CommandNotFound", "Expecting capabilities negotiation")
        check(c.command("qmp_capabilities") == {}, "qmp_capabilities")
        expect_error(c.execute("qmp_capabilities"), "CommandNotFound", "already complete")
        check(c.command("query-status")["status"] == "running", "the VM stopped")
        c.close()
        self.c = QmpClient(self.qmp_path)

    def t_queries(self):
        c = self.c
        st = c.command("query-status")
        check(st == {"running": True, "singlestep": False, "status": "running"}, repr(st))
        ver = c.command("query-version")
        check(isinstance(ver["qemu"]["major"], int) and "package" in ver, repr(ver))
        cpus = c.command("query-cpus-fast")
        check([cpu["cpu-index"] for cpu in cpus] == [0, 1], repr(cpus))
        check(all(cpu["target"] == "x86_64" for cpu in cpus), repr(cpus))
        check(c.command("query-block") == [], "query-block")
        names = {cmd["name"] for cmd in c.command("query-commands")}
        for want in ("qmp_capabilities", "query-status", "query-version", "query-cpus-fast",
                     "query-block", "query-commands", "stop", "cont", "system_reset",
                     "system_powerdown", "quit", "human-monitor-command", "screendump",
                     "device_add", "device_del"):
            check(want in names, "query-commands lacks %s" % want)

    def t_guest_runs(self):
        check(guest_is_running(self.c), "the tick counter does not move")

    def t_stop_cont(self):
        c = self.c
        check(c.command("stop") == {}, "stop")
        c.wait_event("STOP")
        check(c.command("query-status")["status"] == "paused", "not paused")
        before = c.ticks()
        time.sleep(0.3)
        check(c.ticks() == before, "the guest ran while paused")
        check("VM status: paused" in c.hmp("info status"), "info status")
        check(c.command("cont") == {}, "cont")
        c.wait_event("RESUME")
        check(c.command("query-status")["running"], "not running after cont")
        check(guest_is_running(c), "the guest does not run after cont")

    def t_hmp_commands(self):
        c = self.c
        check(c.hmp("info status") == "VM status: running\r\n", "info status")
        regs = c.hmp("info registers")
        check("EIP=" in regs or "RIP=" in regs, "info registers: %r" % regs[:200])
        regs_all = c.hmp("info registers -a")
        check("CPU#0" in regs_all and "CPU#1" in regs_all, "info registers -a")
        # Real mode without paging: linear = physical.
        c.command("stop")
        c.wait_event("STOP")
        xp = c.hmp("xp /4xw 0x%x" % TICKS_ADDR)
        x = c.hmp("x /4xw 0x%x" % TICKS_ADDR)
        check(xp == x and xp.startswith("%016x:" % TICKS_ADDR), "x %r / xp %r" % (x, xp))
        c.command("cont")
        c.wait_event("RESUME")
        # The reset vector holds a far jump (0xEA) in every ROM.
        check(c.hmp("xp /1xb 0xffff0") == "00000000000ffff0: 0xea\r\n", "xp reset vector")
        check("Cannot access memory" in c.hmp("xp /1xw 0xfee00000000"), "xp unmapped")
        check("help" in c.hmp("help"), "help")
        check(c.hmp("nosuch") == "unknown command: 'nosuch'\r\n", "unknown HMP command")
        expect_error(c.execute("human-monitor-command",
                               {"command-line": "info status", "cpu-index": 7}),
                     "GenericError", "cpu-index")

    def t_reset(self):
        c = self.c
        check(c.command("system_reset") == {}, "system_reset")
        ev = c.wait_event("RESET")
        check(ev.get("data") == {"guest": False, "reason": "host-qmp-system-reset"}, repr(ev))
        check(guest_is_running(c), "the guest does not run after the reset")
        deadline = time.time() + TIMEOUT
        while open(self.serial).read().count("idle: counting ticks") < 2:
            check(time.time() < deadline, "the ROM did not start again")
            time.sleep(0.05)

    def t_powerdown(self):
        c = self.c
        check(c.command("system_powerdown") == {}, "system_powerdown")
        c.wait_event("POWERDOWN")
        check(c.command("query-status")["running"], "powerdown stopped a guest without ACPI")

    def t_unsupported(self):
        c = self.c
        c.error("screendump", {"filename": os.path.join(self.dir, "s.ppm")},
                part="no console")
        c.error("device_add", {"driver": "virtio-net-pci", "id": "n0"}, part="hot-plug")
        c.error("device_del", {"id": "n0"}, cls="DeviceNotFound", part="'n0'")

    def t_errors(self):
        c = self.c
        c.error("no-such-command", cls="CommandNotFound", part="has not been found")
        c.error("human-monitor-command", part="'command-line' is missing")
        c.error("human-monitor-command", {"command-line": 5}, part="expected: string")
        c.error("query-status", {"x": 1}, part="'x' is unexpected")
        reply = c.execute("query-status", msg_id={"any": ["json", 1]})
        check(reply.get("id") == {"any": ["json", 1]}, "id not echoed: %r" % reply)
        reply = c.execute("no-such-command", msg_id=17)
        check(reply.get("id") == 17 and "error" in reply, "id on errors: %r" % reply)

    def t_malformed(self):
        c = self.c
        cases = [
            (b'{"execute": }', "JSON parse error"),
            (b"[1, 2, 3]", "must be a JSON object"),
            (b'{"execute": 42}', "must be a string"),
            (b'{"execute": "stop", "arguments": 1}', "must be an object"),
            (b'{"execute": "stop", "bogus": 1}', "is unexpected"),
            (b"{}", "lacks member 'execute'"),
            (b"}", "JSON parse error"),
            (b'{"execute": "stop"]', "JSON parse error"),
        ]
        for data, part in cases:
            c.send_raw(data)
            expect_error(c.read_reply(), "GenericError", part)
        # Two requests in one write, and one request in many small writes.
        c.send_raw(b'{"execute":"query-block"}{"execute":"query-block"}')
        check(c.read_reply() == {"return": []}, "first of two")
        check(c.read_reply() == {"return": []}, "second of two")
        for ch in b'{"execute": "query-block", "id": "split"}':
            c.send_raw(bytes([ch]))
        check(c.read_reply() == {"return": [], "id": "split"}, "split request")
        check(c.command("query-status")["status"] == "running", "the VM stopped")

    def t_huge_input(self):
        c = self.c
        big = b'{"execute": "query-status", "id": "' + b"x" * (3 << 20) + b'"}'
        c.send_raw(big)
        expect_error(c.read_reply(), "GenericError", "exceeds the limit")
        check(c.command("query-status")["running"], "after a huge message")

    def t_fuzz(self):
        self.c.close()  # one client at a time: the fuzzers would wait behind it
        rng = random.Random(7)
        pieces = [b"{", b"}", b"[", b"]", b'"', b"\\", b":", b",", b"execute", b'"quit"',
                  b'"stop"', b"null", b"\xff\xfe", b"\x00", b"\n", b'{"execute":']
        for _ in range(20):
            c = QmpClient(self.qmp_path, negotiate=rng.random() < 0.5)
            data = b"".join(rng.choice(pieces) if rng.random() < 0.5
                            else bytes([rng.randrange(256)]) for _ in range(rng.randrange(1, 400)))
            c.send_raw(data)
            time.sleep(0.01)
            c.close()  # often in the middle of a text
        self.c = QmpClient(self.qmp_path)
        check(self.c.command("query-status")["running"], "the fuzz stopped the VM")
        check(guest_is_running(self.c), "the guest does not run after the fuzz")

    def t_clients_in_sequence(self):
        # A second client waits while the first one is connected (one at a time, as
        # QEMU's socket backend), then gets its own greeting.
        self.c.close()
        for i in range(5):
            c = QmpClient(self.qmp_path)
            reply = c.execute("query-status", msg_id=i)
            check(reply.get("id") == i and reply["return"]["running"], repr(reply))
            c.close()
        waiting = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        waiting.settimeout(TIMEOUT)
        first = QmpClient(self.qmp_path)
        waiting.connect(self.qmp_path)
        first.close()
        buf = b""
        while b"\n" not in buf:
            chunk = waiting.recv(4096)
            check(chunk, "the waiting client was dropped")
            buf += chunk
        check(b'"QMP"' in buf, "the waiting client got %r" % buf)
        waiting.close()
        self.c = QmpClient(self.qmp_path)

    def t_disconnect_mid_message(self):
        self.c.close()
        c = QmpClient(self.qmp_path)
        c.send_raw(b'{"execute": "qu')
        c.close()
        c = QmpClient(self.qmp_path)
        c.send_raw(b'it"}')  # would be "quit" had the half text survived
        expect_error(c.read_reply(), "GenericError", "JSON parse error")
        c.close()
        self.c = QmpClient(self.qmp_path)
        check(self.c.command("query-status")["running"], "the VM stopped")

    def t_text_monitor(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(TIMEOUT)
        s.connect(self.hmp_path)
        out = b""

        def read_to_prompt():
            nonlocal out
            while not out.endswith(b"(qemu) "):
                chunk = s.recv(4096)
                check(chunk, "the text monitor closed")
                out += chunk
            text, out = out.decode("utf-8"), b""  # the monitor's output is valid UTF-8
            return text

        banner = read_to_prompt()
        check("monitor - type 'help'" in banner, "banner %r" % banner)
        s.sendall(b"info status\n")
        check(read_to_prompt() == "VM status: running\r\n(qemu) ", "info status")
        s.sendall(b"stop\r\n")
        read_to_prompt()
        self.c.wait_event("STOP")  # events reach QMP whatever stopped the VM
        s.sendall(b"info status\n")
        check(read_to_prompt().startswith("VM status: paused"), "paused")
        s.sendall(b"c\n")
        read_to_prompt()
        self.c.wait_event("RESUME")
        s.sendall(b"xp /2xb 0xffff0\n")
        check(read_to_prompt() == "00000000000ffff0: 0xea 0x00\r\n(qemu) ", "xp")
        s.sendall(b"\xff\xfb\x01garbage\x00\x01\n")
        check("unknown command" in read_to_prompt(), "garbage line")
        s.close()

    def t_alive(self):
        check(self.proc.poll() is None, "Pacifica exited")
        check(guest_is_running(self.c), "the guest does not run")

    def t_quit(self):
        c = self.c
        check(c.command("quit") == {}, "quit")
        ev = c.wait_event("SHUTDOWN")
        check(ev.get("data") == {"guest": False, "reason": "host-qmp-quit"}, repr(ev))
        try:
            status = self.proc.wait(TIMEOUT)
        except subprocess.TimeoutExpired:
            raise Failure("Pacifica did not exit after quit")
        check(status == 0, "exit status %d" % status)
        check(not os.path.exists(self.qmp_path), "the socket file was left behind")

    def t_daemonize(self):
        qmp = os.path.join(self.dir, "daemon-qmp.sock")
        pidfile = os.path.join(self.dir, "daemon.pid")
        args = [self.pacifica, "-bios", self.rom, "-display", "none", "-daemonize",
                "-pidfile", pidfile, "-qmp", "unix:%s,server,nowait" % qmp]
        # The command returns once the daemon is set up: the socket is there at once.
        r = subprocess.run(args, stdin=subprocess.DEVNULL, capture_output=True, timeout=TIMEOUT)
        check(r.returncode == 0, "exit status %d: %r" % (r.returncode, r.stderr))
        check(os.path.exists(qmp), "no QMP socket when -daemonize returned")
        pid = int(open(pidfile).read())
        os.kill(pid, 0)
        # A second instance on the same pidfile is refused.
        r2 = subprocess.run(args[:-2], stdin=subprocess.DEVNULL, capture_output=True,
                            timeout=TIMEOUT)
        check(r2.returncode != 0 and b"pidfile" in r2.stderr, "second instance: %r" % (r2,))
        c = QmpClient(qmp)
        check(c.command("query-status")["running"], "the daemon's VM does not run")
        check(guest_is_running(c), "the daemon's guest does not run")
        c.command("quit")
        c.wait_event("SHUTDOWN")
        c.close()
        deadline = time.time() + TIMEOUT
        while os.path.exists(pidfile) or os.path.exists(qmp):
            check(time.time() < deadline, "the daemon left its pidfile or socket behind")
            time.sleep(0.05)
        # Setup failing after the fork: the starting command reports it and exits 1.
        bad = [self.pacifica, "-bios", self.rom, "-display", "none", "-daemonize",
               "-qmp", "unix:%s/no/such/dir/q.sock,server,nowait" % self.dir]
        r = subprocess.run(bad, stdin=subprocess.DEVNULL, capture_output=True, timeout=TIMEOUT)
        check(r.returncode == 1 and b"cannot listen" in r.stderr, "failed setup: %r" % (r,))

    def main(self):
        steps = [
            ("qmp/start", self.t_start),
            ("qmp/greeting-and-negotiation", self.t_greeting),
            ("qmp/queries", self.t_queries),
            ("qmp/guest-runs", self.t_guest_runs),
            ("qmp/stop-cont-events", self.t_stop_cont),
            ("qmp/human-monitor-command", self.t_hmp_commands),
            ("qmp/system-reset-event", self.t_reset),
            ("qmp/system-powerdown-event", self.t_powerdown),
            ("qmp/screendump-device-add-del", self.t_unsupported),
            ("qmp/command-errors", self.t_errors),
            ("qmp/malformed-json", self.t_malformed),
            ("qmp/huge-input", self.t_huge_input),
            ("qmp/fuzz-and-disconnects", self.t_fuzz),
            ("qmp/clients-in-sequence", self.t_clients_in_sequence),
            ("qmp/disconnect-mid-message", self.t_disconnect_mid_message),
            ("qmp/text-monitor-socket", self.t_text_monitor),
            ("qmp/vm-still-alive", self.t_alive),
            ("qmp/quit-exit-status", self.t_quit),
            ("qmp/daemonize-pidfile", self.t_daemonize),
        ]
        for name, fn in steps:
            if (self.proc is not None and self.proc.poll() is not None
                    and name not in ("qmp/quit-exit-status", "qmp/daemonize-pidfile")):
                self.failed += 1
                print("not ok - %s (Pacifica is gone, status %s)" % (name, self.proc.returncode))
                continue
            self.run(name, fn)
            if name == "qmp/start" and self.failed:
                break
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self.proc is not None and self.failed:
            self.stderr.seek(0)
            for line in self.stderr.read().splitlines()[-20:]:
                print("# " + line)
        shutil.rmtree(self.dir, ignore_errors=True)
        return 1 if self.failed else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.stderr.write("usage: qmp_e2e.py PACIFICA ROM\n")
        sys.exit(2)
    sys.exit(Suite(sys.argv[1], sys.argv[2]).main())
