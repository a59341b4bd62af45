/* The x86 registers as gdb sees them (x86-regs.h).
 *
 * The order follows QEMU's gdb-xml descriptions, which gdb's own amd64/i386 numbering
 * does not constrain (gdb maps registers by name when a target description is given):
 * the core feature (general registers, rIP, EFLAGS, selectors, x87), SSE, then the
 * segment bases, the system registers and the AVX upper halves. */
#include "gdbstub/x86-regs.h"

#include <string.h>

#include "cpu/x86/tlb.h"
#include "gdbstub/packet.h"

/* gdb's fctrl ... fop (gdb manual, "i386 Features": org.gnu.gdb.i386.core). */
enum { FPU_FCTRL, FPU_FSTAT, FPU_FTAG, FPU_FISEG, FPU_FIOFF, FPU_FOSEG, FPU_FOOFF, FPU_FOP };

static void add(GdbRegLayout *l, const char *name, unsigned size, GdbRegKind kind, unsigned index,
                GdbFeature feature, const char *type, const char *group)
{
    if (l->count >= GDB_MAX_REGS)
        return;
    GdbReg *r = &l->regs[l->count++];
    g_strlcpy(r->name, name, sizeof(r->name));
    r->size = (uint8_t)size;
    r->kind = (uint8_t)kind;
    r->index = (uint8_t)index;
    r->feature = (uint8_t)feature;
    r->type = type;
    r->group = group;
}

static void add_core(GdbRegLayout *l)
{
    /* amd64: rax rbx rcx rdx rsi rdi rbp rsp r8-r15; i386: eax ecx edx ebx esp ebp esi
     * edi (the 'g' packet orders of gdb's amd64 and i386 ports). */
    static const uint8_t order64[8] = {R_EAX, R_EBX, R_ECX, R_EDX, R_ESI, R_EDI, R_EBP, R_ESP};
    static const char *const names64[8] = {"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp"};
    static const char *const names32[8] = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"};
    static const uint8_t segs[6] = {R_CS, R_SS, R_DS, R_ES, R_FS, R_GS};
    static const char *const seg_names[6] = {"cs", "ss", "ds", "es", "fs", "gs"};
    static const char *const fpu_names[8] = {"fctrl", "fstat", "ftag",  "fiseg",
                                             "fioff", "foseg", "fooff", "fop"};
    unsigned w = l->x86_64 ? 8 : 4;
    char name[12];
    for (unsigned i = 0; i < 8; i++) {
        unsigned reg = l->x86_64 ? order64[i] : i;
        const char *n = l->x86_64 ? names64[i] : names32[i];
        const char *type = reg == R_ESP || reg == R_EBP ? "data_ptr"
                           : l->x86_64                  ? "int64"
                                                        : "int32";
        add(l, n, w, GDB_REG_GPR, reg, GDB_FEATURE_CORE, type, NULL);
    }
    for (unsigned i = 8; l->x86_64 && i < 16; i++) {
        snprintf(name, sizeof(name), "r%u", i);
        add(l, name, 8, GDB_REG_GPR, i, GDB_FEATURE_CORE, "int64", NULL);
    }
    add(l, l->x86_64 ? "rip" : "eip", w, GDB_REG_PC, 0, GDB_FEATURE_CORE, "code_ptr", NULL);
    add(l, "eflags", 4, GDB_REG_EFLAGS, 0, GDB_FEATURE_CORE, "i386_eflags", NULL);
    for (unsigned i = 0; i < 6; i++)
        add(l, seg_names[i], 4, GDB_REG_SEG, segs[i], GDB_FEATURE_CORE, "int32", NULL);
    for (unsigned i = 0; i < 8; i++) {
        snprintf(name, sizeof(name), "st%u", i);
        add(l, name, 10, GDB_REG_ST, i, GDB_FEATURE_CORE, "i387_ext", NULL);
    }
    for (unsigned i = 0; i < 8; i++)
        add(l, fpu_names[i], 4, GDB_REG_FPU, i, GDB_FEATURE_CORE, "int", "float");
}

void gdb_reg_layout_init(GdbRegLayout *l, bool x86_64)
{
    memset(l, 0, sizeof(*l));
    l->x86_64 = x86_64;
    unsigned w = x86_64 ? 8 : 4, nvec = x86_64 ? 16 : 8;
    char name[12];
    add_core(l);
    for (unsigned i = 0; i < nvec; i++) {
        snprintf(name, sizeof(name), "xmm%u", i);
        add(l, name, 16, GDB_REG_XMM, i, GDB_FEATURE_SSE, "vec128", "vector");
    }
    add(l, "mxcsr", 4, GDB_REG_MXCSR, 0, GDB_FEATURE_SSE, "int", "vector");
    /* gdb 13's i386 (32-bit) port cannot number the segments feature's registers
     * beside AVX (an internal error): there they are system registers of ours. */
    GdbFeature seg_feature = x86_64 ? GDB_FEATURE_SEGMENTS : GDB_FEATURE_SYS;
    add(l, "fs_base", w, GDB_REG_SEGBASE, R_FS, seg_feature, "int", NULL);
    add(l, "gs_base", w, GDB_REG_SEGBASE, R_GS, seg_feature, "int", NULL);
    if (x86_64)
        add(l, "k_gs_base", 8, GDB_REG_KGSBASE, 0, seg_feature, "int", NULL);
    static const uint8_t crs[] = {0, 2, 3, 4, 8};
    for (unsigned i = 0; i < sizeof(crs); i++) {
        if (crs[i] == 8 && !x86_64)
            continue;
        snprintf(name, sizeof(name), "cr%u", crs[i]);
        add(l, name, w, GDB_REG_CR, crs[i], GDB_FEATURE_SYS, "int", "system");
    }
    add(l, "efer", 8, GDB_REG_EFER, 0, GDB_FEATURE_SYS, "int", "system");
    for (unsigned i = 0; i < nvec; i++) {
        snprintf(name, sizeof(name), "ymm%uh", i);
        add(l, name, 16, GDB_REG_YMMH, i, GDB_FEATURE_AVX, "uint128", NULL);
    }
}

/* The x87 status word with TOP in bits 13:11 (SDM Vol 1 §8.1.3). */
static uint32_t fpu_status(const CPUX86State *env)
{
    return (env->fpus & ~0x3800u) | ((env->fpstt & 7) << 11);
}

static uint64_t fpu_read(const CPUX86State *env, unsigned which)
{
    switch (which) {
    case FPU_FCTRL: return env->fpuc;
    case FPU_FSTAT: return fpu_status(env);
    case FPU_FTAG: return env->fptag;
    case FPU_FISEG: return env->fpcs;
    case FPU_FIOFF: return env->fpip;
    case FPU_FOSEG: return env->fpds;
    case FPU_FOOFF: return env->fpdp;
    default: return env->fpop;
    }
}

static void fpu_write(CPUX86State *env, unsigned which, uint64_t v)
{
    switch (which) {
    case FPU_FCTRL: env->fpuc = (uint16_t)v; break;
    case FPU_FSTAT:
        env->fpus = (uint16_t)(v & ~0x3800u);
        env->fpstt = (v >> 11) & 7;
        break;
    case FPU_FTAG: env->fptag = (uint16_t)v; break;
    case FPU_FISEG: env->fpcs = (uint16_t)v; break;
    case FPU_FIOFF: env->fpip = v; break;
    case FPU_FOSEG: env->fpds = (uint16_t)v; break;
    case FPU_FOOFF: env->fpdp = v; break;
    default: env->fpop = (uint16_t)v; break;
    }
}

/* Registers that fit in 64 bits; the others are copied as bytes. */
static uint64_t scalar_read(CPUX86State *env, const GdbReg *r)
{
    switch (r->kind) {
    case GDB_REG_GPR: return env->regs[r->index];
    case GDB_REG_PC: return env->rip;
    case GDB_REG_EFLAGS: return x86_read_eflags(env);
    case GDB_REG_SEG: return env->segs[r->index].selector;
    case GDB_REG_FPU: return fpu_read(env, r->index);
    case GDB_REG_MXCSR: return env->mxcsr;
    case GDB_REG_SEGBASE: return env->segs[r->index].base;
    case GDB_REG_KGSBASE: return env->kernel_gs_base;
    case GDB_REG_CR: return r->index == 8 ? 0 : env->cr[r->index]; /* TPR is the APIC's */
    case GDB_REG_EFER: return env->efer;
    default: return 0;
    }
}

void gdb_reg_read(CPUX86State *env, const GdbReg *r, GString *hex_out)
{
    uint8_t buf[16];
    switch (r->kind) {
    case GDB_REG_ST: {
        const X87Reg *st = &env->fpregs[(env->fpstt + r->index) & 7];
        memcpy(buf, &st->mant, 8);
        memcpy(buf + 8, &st->exp, 2);
        break;
    }
    case GDB_REG_XMM: memcpy(buf, env->vec[r->index].b, 16); break;
    case GDB_REG_YMMH: memcpy(buf, env->vec[r->index].b + 16, 16); break;
    default: {
        uint64_t v = scalar_read(env, r);
        memcpy(buf, &v, 8); /* the host is little-endian, as the packets are */
        break;
    }
    }
    gdb_bytes_to_hex(hex_out, buf, r->size);
}

/* A selector written by the debugger: in real and virtual-8086 mode the base follows
 * (SDM 3A §20.1.1); in protected mode only the selector changes (no descriptor load,
 * which could fault). */
static void seg_write(CPUX86State *env, unsigned seg, uint64_t v)
{
    env->segs[seg].selector = (uint32_t)(v & 0xffff);
    if (!(env->hflags & HF_PE) || (env->hflags & HF_VM))
        env->segs[seg].base = (v & 0xffff) << 4;
}

static void cr_write(CPUX86State *env, unsigned n, uint64_t v)
{
    if (n == 8)
        return;
    env->cr[n] = v;
    x86_cpu_update_hflags(env);
    x86_tlb_flush(env, true);
}

static void scalar_write(CPUX86State *env, const GdbReg *r, uint64_t v)
{
    switch (r->kind) {
    case GDB_REG_GPR: env->regs[r->index] = v; break;
    case GDB_REG_PC: env->rip = v; break;
    case GDB_REG_EFLAGS: x86_write_eflags(env, (uint32_t)v, 0xffffffffu); break;
    case GDB_REG_SEG: seg_write(env, r->index, v); break;
    case GDB_REG_FPU: fpu_write(env, r->index, v); break;
    case GDB_REG_MXCSR: env->mxcsr = (uint32_t)v; break;
    case GDB_REG_SEGBASE: env->segs[r->index].base = v; break;
    case GDB_REG_KGSBASE: env->kernel_gs_base = v; break;
    case GDB_REG_CR: cr_write(env, r->index, v); break;
    case GDB_REG_EFER:
        env->efer = v;
        x86_cpu_update_hflags(env);
        x86_tlb_flush(env, true);
        break;
    default: break;
    }
}

void gdb_reg_write(CPUX86State *env, const GdbReg *r, const uint8_t *buf)
{
    switch (r->kind) {
    case GDB_REG_ST: {
        X87Reg *st = &env->fpregs[(env->fpstt + r->index) & 7];
        memcpy(&st->mant, buf, 8);
        memcpy(&st->exp, buf + 8, 2);
        return;
    }
    case GDB_REG_XMM: memcpy(env->vec[r->index].b, buf, 16); return;
    case GDB_REG_YMMH: memcpy(env->vec[r->index].b + 16, buf, 16); return;
    default: {
        uint64_t v = 0;
        memcpy(&v, buf, r->size < 8 ? r->size : 8);
        scalar_write(env, r, v);
        return;
    }
    }
}
