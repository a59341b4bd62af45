/* The comparison of the host's final state (want) with Pacifica's (got), and the
 * disassembly that goes with a reported case. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* capstone's x86.h has an enumerator X86_OP_INVALID that clashes with ours. */
#define X86_OP_INVALID CAPSTONE_X86_OP_INVALID
#include <capstone/capstone.h>
#undef X86_OP_INVALID

#include "cpu/x86/cpu.h"
#include "tests/cpu-diff/cpu-diff.h"

/* RFLAGS bits compared: the arithmetic flags, TF, IF, DF, NT, AC, ID. RF is not: the
 * kernel's image of a faulting context may have it set (SDM Vol 3A §17.3.1.1). */
#define RFLAGS_COMPARED (CC_MASK | TF_MASK | IF_MASK | DF_MASK | NT_MASK | AC_MASK | ID_MASK)

static const char *const gpr_names[2][16] = {
    {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13",
     "r14", "r15"},
    {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"},
};

/* Appends "; " + text to why (bounded). */
static void add_why(char *why, size_t len, unsigned *nfields, const char *text)
{
    if (++*nfields > 4)
        return;
    size_t used = strlen(why);
    if (*nfields == 4) {
        snprintf(why + used, len - used, "%s...", used ? "; " : "");
        return;
    }
    snprintf(why + used, len - used, "%s%s", used ? "; " : "", text);
}

static void hex_bytes(char *out, size_t len, const uint8_t *p, unsigned n)
{
    size_t used = 0;
    for (unsigned i = 0; i < n && used + 3 < len; i++)
        used += (size_t)snprintf(out + used, len - used, "%02x", p[i]);
}

static void compare_gprs(const DiffCase *c, const DiffMask *dm, const DiffRegs *want,
                         const DiffRegs *got, char *why, size_t len, unsigned *n)
{
    bool m32 = c->mode == DIFF_MODE_32;
    unsigned nregs = m32 ? 8 : 16;
    for (unsigned i = 0; i < nregs; i++) {
        uint64_t mask = m32 ? 0xffffffffull : ~dm->gpr_undef[i];
        if ((want->gpr[i] ^ got->gpr[i]) & mask) {
            char t[96];
            snprintf(t, sizeof(t), "%s got %" PRIx64 " want %" PRIx64, gpr_names[m32][i],
                     got->gpr[i] & mask, want->gpr[i] & mask);
            add_why(why, len, n, t);
        }
    }
}

static void compare_vectors(const DiffRegs *want, const DiffRegs *got, char *why, size_t len,
                            unsigned *n)
{
    for (int i = 0; i < 16; i++) {
        if (memcmp(want->ymm[i], got->ymm[i], 32) == 0)
            continue;
        char t[200], g[65], w[65];
        /* most significant byte first, as debuggers print them */
        for (int b = 0; b < 32; b++) {
            snprintf(g + 2 * b, 3, "%02x", got->ymm[i][31 - b]);
            snprintf(w + 2 * b, 3, "%02x", want->ymm[i][31 - b]);
        }
        snprintf(t, sizeof(t), "ymm%d got %s want %s", i, g, w);
        add_why(why, len, n, t);
    }
}

static void compare_x87(const DiffMask *dm, const DiffRegs *want, const DiffRegs *got, char *why,
                        size_t len, unsigned *n)
{
    char t[128];
    if (want->fcw != got->fcw) {
        snprintf(t, sizeof(t), "fcw got %04x want %04x", got->fcw, want->fcw);
        add_why(why, len, n, t);
    }
    uint16_t fsw_mask = (uint16_t)~dm->fsw_undef;
    if ((want->fsw ^ got->fsw) & fsw_mask) {
        snprintf(t, sizeof(t), "fsw got %04x want %04x", got->fsw & fsw_mask, want->fsw & fsw_mask);
        add_why(why, len, n, t);
    }
    if (want->ftw != got->ftw) {
        snprintf(t, sizeof(t), "ftw got %02x want %02x", got->ftw, want->ftw);
        add_why(why, len, n, t);
    }
    unsigned top = (want->fsw >> 11) & 7;
    for (unsigned i = 0; i < 8; i++) {
        if (!(want->ftw & (1u << ((top + i) & 7))) || memcmp(want->st[i], got->st[i], 10) == 0)
            continue;
        char g[21], w[21];
        for (int b = 0; b < 10; b++) {
            snprintf(g + 2 * b, 3, "%02x", got->st[i][9 - b]);
            snprintf(w + 2 * b, 3, "%02x", want->st[i][9 - b]);
        }
        snprintf(t, sizeof(t), "st%u got %s want %s", i, g, w);
        add_why(why, len, n, t);
    }
}

static void compare_memory(const char *name, uint64_t base, const uint8_t *want, const uint8_t *got,
                           size_t size, char *why, size_t len, unsigned *n)
{
    if (memcmp(want, got, size) == 0)
        return;
    size_t first = 0, last = size - 1;
    while (want[first] == got[first])
        first++;
    while (want[last] == got[last])
        last--;
    unsigned shown = (unsigned)(last - first + 1 > 16 ? 16 : last - first + 1);
    char g[40], w[40], t[160];
    hex_bytes(g, sizeof(g), got + first, shown);
    hex_bytes(w, sizeof(w), want + first, shown);
    snprintf(t, sizeof(t), "%s[%#" PRIx64 "..+%zu] got %s want %s", name, base + first,
             last - first + 1, g, w);
    add_why(why, len, n, t);
}

/* Pacifica raised #UD on an instruction it has no lowering for. */
static bool unimplemented_at(const DiffCase *c, const DiffOutcome *got, unsigned *op)
{
    uint64_t off = got->s.r.rip - CD_CODE;
    if (got->vector != EXCP_UD || off >= c->len)
        return false;
    X86Insn in;
    X86CodeSize cs = c->mode == DIFF_MODE_64 ? X86_CODE64 : X86_CODE32;
    if (x86_decode(&in, cs, off, c->code + off, c->len - off) != X86_DECODE_OK)
        return false;
    if (emu_op_implemented(in.op))
        return false;
    *op = in.op;
    return true;
}

/* What is undefined where the host stopped: before the faulting instruction, after a
 * trapping one, or at the end; anywhere else (a branch into the middle of an
 * instruction) everything any boundary leaves undefined. */
static DiffMask mask_at(const DiffCase *c, const DiffOutcome *want)
{
    uint64_t off = want->s.r.rip - CD_CODE;
    if (want->vector < 0)
        return c->mask[c->ninsns];
    for (unsigned k = 0; k <= c->ninsns; k++)
        if (c->insn_off[k] == off)
            return c->mask[k];
    DiffMask m = c->mask[0];
    for (unsigned k = 1; k <= c->ninsns; k++) {
        m.rflags_undef |= c->mask[k].rflags_undef;
        m.fsw_undef |= c->mask[k].fsw_undef;
        for (int i = 0; i < 16; i++)
            m.gpr_undef[i] |= c->mask[k].gpr_undef[i];
    }
    return m;
}

DiffVerdict diff_compare(const DiffCase *c, const DiffOutcome *want, const DiffOutcome *got,
                         unsigned *unimpl_op, char *why, size_t why_len)
{
    unsigned n = 0;
    why[0] = 0;
    DiffMask mask = mask_at(c, want);
    /* Pacifica stopped on an op it has no lowering for, before the host stopped (the
     * host may raise #UD later in the sequence) */
    if ((want->vector != EXCP_UD || want->s.r.rip != got->s.r.rip) &&
        unimplemented_at(c, got, unimpl_op)) {
        snprintf(why, why_len, "%s not implemented", x86_op_name(*unimpl_op));
        return DIFF_UNIMPLEMENTED;
    }
    char t[96];
    if (want->vector != got->vector) {
        snprintf(t, sizeof(t), "exception got %d want %d (-1: none, 256: runaway)", got->vector,
                 want->vector);
        add_why(why, why_len, &n, t);
    }
    /* the error code of the exceptions that push one (SDM Vol 3A §6.13) */
    bool has_error = want->vector == EXCP_GP || want->vector == EXCP_PF ||
                     want->vector == EXCP_SS || want->vector == EXCP_AC;
    if (has_error && want->vector == got->vector && want->error_code != got->error_code) {
        snprintf(t, sizeof(t), "error code got %x want %x", got->error_code, want->error_code);
        add_why(why, why_len, &n, t);
    }
    if (want->vector == EXCP_PF && got->vector == EXCP_PF && want->fault_addr != got->fault_addr) {
        snprintf(t, sizeof(t), "cr2 got %" PRIx64 " want %" PRIx64, got->fault_addr,
                 want->fault_addr);
        add_why(why, why_len, &n, t);
    }
    uint64_t rip_mask = c->mode == DIFF_MODE_32 ? 0xffffffffull : ~0ull;
    if ((want->s.r.rip ^ got->s.r.rip) & rip_mask) {
        snprintf(t, sizeof(t), "rip got %" PRIx64 " want %" PRIx64, got->s.r.rip & rip_mask,
                 want->s.r.rip & rip_mask);
        add_why(why, why_len, &n, t);
    }
    compare_gprs(c, &mask, &want->s.r, &got->s.r, why, why_len, &n);
    uint64_t fmask = RFLAGS_COMPARED & ~(uint64_t)mask.rflags_undef;
    if ((want->s.r.rflags ^ got->s.r.rflags) & fmask) {
        snprintf(t, sizeof(t), "rflags got %" PRIx64 " want %" PRIx64 " (compared %" PRIx64 ")",
                 got->s.r.rflags & fmask, want->s.r.rflags & fmask, fmask);
        add_why(why, why_len, &n, t);
    }
    if (want->s.r.mxcsr != got->s.r.mxcsr) {
        snprintf(t, sizeof(t), "mxcsr got %x want %x", got->s.r.mxcsr, want->s.r.mxcsr);
        add_why(why, why_len, &n, t);
    }
    compare_vectors(&want->s.r, &got->s.r, why, why_len, &n);
    compare_x87(&mask, &want->s.r, &got->s.r, why, why_len, &n);
    compare_memory("data", CD_DATA, want->s.m.data, got->s.m.data, CD_DATA_SIZE, why, why_len, &n);
    compare_memory("stack", CD_STACK, want->s.m.stack, got->s.m.stack, CD_STACK_SIZE, why, why_len,
                   &n);
    return n ? DIFF_MISMATCH : DIFF_MATCH;
}

void diff_disas(const DiffCase *c, char *buf, size_t len)
{
    csh h;
    buf[0] = 0;
    cs_mode mode = c->mode == DIFF_MODE_64 ? CS_MODE_64 : CS_MODE_32;
    if (cs_open(CS_ARCH_X86, mode, &h) != CS_ERR_OK)
        return;
    size_t used = 0;
    for (unsigned k = 0; k < c->ninsns && used + 1 < len; k++) {
        unsigned off = c->insn_off[k], end = c->insn_off[k + 1];
        cs_insn *insn;
        size_t n = cs_disasm(h, c->code + off, end - off, CD_CODE + off, 1, &insn);
        if (n == 1) {
            used += (size_t)snprintf(buf + used, len - used, "%s%s%s%s", k ? "; " : "",
                                     insn->mnemonic, insn->op_str[0] ? " " : "", insn->op_str);
            cs_free(insn, n);
        } else {
            used += (size_t)snprintf(buf + used, len - used, "%s(?)", k ? "; " : "");
        }
        if (used >= len)
            break;
    }
    cs_close(&h);
}
