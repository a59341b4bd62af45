/* The gdb stub's state, shared by its files (gdbstub.c: sockets and stops;
 * commands.c: the packets). */
#ifndef PACIFICA_GDBSTUB_INTERNAL_H
#define PACIFICA_GDBSTUB_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>

#include "gdbstub/gdbstub.h"
#include "gdbstub/packet.h"
#include "gdbstub/x86-regs.h"
#include "system/debug.h"

/* One gdb connection. */
typedef struct GdbConn {
    int fd; /* -1: no gdb attached */
    GdbPacketParser parser;
    GString *out;            /* bytes the socket has not taken yet */
    GString *last;           /* the last packet sent, for a '-' */
    bool no_ack;             /* QStartNoAckMode */
    bool attached_prelaunch; /* the guest had never run when gdb attached */
    bool layout_chosen;
    GdbRegLayout layout; /* the registers of the description gdb was given */
    int g_cpu, c_cpu;    /* Hg / Hc: cpu index, or -1 for "any" */
    int cur_cpu;         /* the thread of the last stop */
    bool running;        /* resumed by gdb: a stop reply is owed */
} GdbConn;

struct GdbStub {
    MainLoop *loop;
    Machine *m;
    GdbMachineOps ops;
    MachineDebug debug;
    int listen_fd;
    char *unlink_path;
    int event_fd; /* written by a vCPU that stopped for the debugger */
    pthread_mutex_t stop_lock;
    bool stop_pending; /* the first stop since the machine was last resumed */
    DebugStop pending;
    bool resume_on_leave; /* the stub (not the user) keeps the VM paused */
    GdbConn conn;
};

/* commands.c */
void gdb_handle_packet(GdbStub *s, const char *data, size_t len);
/* CPU index of a thread id, -1 for "any"/"all", -2 if invalid. */
int gdb_thread_to_cpu(const GdbStub *s, const char *tid);
CPUX86State *gdb_cpu_env(GdbStub *s, int cpu_index);
const GdbRegLayout *gdb_layout(GdbStub *s);

/* gdbstub.c */
void gdb_send_packet(GdbStub *s, const void *data, size_t len);
void gdb_send_str(GdbStub *s, const char *str);
/* Resumes the machine: the cpus with step[i] execute one instruction. */
void gdb_resume(GdbStub *s, const bool *step);
/* Clears breakpoints, watchpoints and steps (vCPUs held). */
void gdb_clear_debug(GdbStub *s);
/* Runs fn with every vCPU out of guest code. */
void gdb_with_vcpus_held(GdbStub *s, void (*fn)(GdbStub *s, void *arg), void *arg);
/* Ends the connection (detach: resume; else resume only if the stub paused it). */
void gdb_disconnect(GdbStub *s, bool resume);

#endif
