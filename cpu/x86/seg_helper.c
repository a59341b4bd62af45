/* Protected-mode and long-mode segmentation: descriptor fetch, segment register loads,
 * far JMP/CALL/RET through code segments and call gates, IRET in every mode, and the
 * I/O permission bitmap (see seg_helper.h). Task switching and interrupt and exception
 * delivery are in excp.c.
 *
 * Discipline (as in translated code): every access that may fault — descriptor reads,
 * stack pushes and pops, accessed-bit writes — happens before any guest register is
 * changed, so a fault re-executes the instruction from a clean state. The only
 * exception is the task switch, which has an architectural commit point (SDM 3A
 * §7.3): faults after it are raised in the new task's context.
 */
#include "cpu/x86/seg_helper.h"
#include "cpu/x86/vme.h"

#include "cpu/x86/decode.h"

#include "cpu/x86/helper.h"

/* Segment attributes of every segment register in virtual-8086 mode (SDM 3A §20.1.1:
 * base = selector * 16, limit 64 KiB, DPL 3, present, writable data). */
#define V86_SEG_FLAGS                                                                              \
    (DESC_P_MASK | DESC_S_MASK | DESC_W_MASK | DESC_A_MASK | (3u << DESC_DPL_SHIFT))

/* Descriptor types (SDM 3A §3.4.5.1 Table 3-1 and §3.5 Table 3-2). */
#define TYPE_CODE       0x8u /* code segment (S = 1) */
#define TYPE_CONFORMING 0x4u /* code: conforming */
#define TYPE_RW         0x2u /* code: readable; data: writable */
#define TYPE_TSS16      0x1u /* 16-bit TSS (available) */
#define TYPE_LDT        0x2u
#define TYPE_TSS16_BUSY 0x3u
#define TYPE_CALLGATE16 0x4u
#define TYPE_TASKGATE   0x5u
#define TYPE_TSS32      0x9u /* 32-bit (or 64-bit) TSS (available) */
#define TYPE_TSS32_BUSY 0xbu
#define TYPE_CALLGATE32 0xcu /* 32-bit call gate; the 64-bit one in IA-32e mode */
#define TYPE_TSS_BUSY   0x2u /* the busy bit of a TSS type */

/* ---- small state queries ---- */

static unsigned cpl_of(const CPUX86State *env)
{
    return env->hflags & HF_CPL_MASK;
}

static unsigned iopl_of(const CPUX86State *env)
{
    return (unsigned)(env->eflags & IOPL_MASK) >> 12;
}

/* IA-32e mode (EFER.LMA), in 64-bit or compatibility submode. */
static bool ia32e(const CPUX86State *env)
{
    return (env->hflags & HF_LMA) != 0;
}

static bool mode64(const CPUX86State *env)
{
    return (env->hflags & HF_CS64) != 0;
}

static bool is_canonical(uint64_t a)
{
    return (uint64_t)((int64_t)(a << 16) >> 16) == a;
}

_Noreturn static void fault(CPUX86State *env, int vector, uint32_t error_code)
{
    x86_raise_exception_err(env, vector, (int)error_code);
}

/* ---- memory of system structures ---- */

/* SDM 3A §4.6: descriptor tables and the TSS are accessed as supervisor whatever the
 * CPL ("implicit supervisor-mode accesses"). */
uint64_t x86_sys_ld(CPUX86State *env, uint64_t linear, unsigned size)
{
    return x86_ld_idx(env, linear, size, x86_mmu_index_implicit(env));
}

void x86_sys_st(CPUX86State *env, uint64_t linear, uint64_t val, unsigned size)
{
    x86_st_idx(env, linear, val, size, x86_mmu_index_implicit(env));
}

/* ---- the current instruction ---- */

uint64_t x86_current_insn_eip(CPUX86State *env)
{
    const uint64_t *data = env_cpu(env)->exec.insn_data;
    return data[0] - data[1];
}

bool x86_decode_current_insn(CPUX86State *env, X86Insn *insn)
{
    const uint64_t *data = env_cpu(env)->exec.insn_data;
    X86CodeSize code = (env->hflags & HF_CS64)   ? X86_CODE64
                       : (env->hflags & HF_CS32) ? X86_CODE32
                                                 : X86_CODE16;
    uint8_t bytes[15];
    size_t n = x86_fetch_code(env, data[0], bytes, sizeof(bytes));
    return x86_decode(insn, code, data[0] - data[1], bytes, n) == X86_DECODE_OK;
}

uint64_t x86_current_insn_next_eip(CPUX86State *env)
{
    uint64_t eip = x86_current_insn_eip(env);
    X86Insn insn;
    if (!x86_decode_current_insn(env, &insn))
        return eip;
    uint64_t next = eip + insn.len;
    if (insn.code_size == X86_CODE16)
        return next & 0xffff;
    return insn.code_size == X86_CODE32 ? (next & 0xffffffffu) : next;
}

void x86_set_restart_point(CPUX86State *env)
{
    uint64_t *data = env_cpu(env)->exec.insn_data;
    data[1] = env->segs[R_CS].base;
    data[0] = data[1] + env->rip;
}

/* ---- descriptors ---- */

uint64_t x86_desc_base(const X86Desc *d, bool wide)
{
    uint64_t base = (d->lo >> 16) | ((d->hi & 0xffu) << 16) | (d->hi & 0xff000000u);
    if (wide)
        base |= (d->hi64 & 0xffffffffu) << 32;
    return base;
}

uint32_t x86_desc_limit(const X86Desc *d)
{
    uint32_t limit = (d->lo & 0xffffu) | (d->hi & 0x000f0000u);
    if (d->hi & DESC_G_MASK)
        limit = (limit << 12) | 0xfffu;
    return limit;
}

/* Linear address of the descriptor of sel, or false beyond the table limit. */
static bool desc_addr(const CPUX86State *env, uint16_t sel, unsigned len, uint64_t *addr)
{
    uint64_t base;
    uint32_t limit;
    if (sel & X86_SEL_TI) {
        base = env->ldt.base;
        limit = env->ldt.limit;
    } else {
        base = env->gdt.base;
        limit = env->gdt.limit;
    }
    uint32_t index = sel & X86_SEL_INDEX;
    if ((uint64_t)index + len - 1 > limit)
        return false;
    *addr = base + index;
    return true;
}

bool x86_read_desc(CPUX86State *env, uint16_t selector, bool wide, X86Desc *d)
{
    uint64_t addr;
    if (!desc_addr(env, selector, wide ? 16 : 8, &addr))
        return false;
    d->lo = (uint32_t)x86_sys_ld(env, addr, 4);
    d->hi = (uint32_t)x86_sys_ld(env, addr + 4, 4);
    d->hi64 = wide ? x86_sys_ld(env, addr + 8, 8) : 0;
    return true;
}

/* Writes back the high dword (accessed or busy bit changes). */
void x86_write_desc_hi(CPUX86State *env, uint16_t sel, uint32_t hi)
{
    uint64_t addr;
    if (desc_addr(env, sel, 8, &addr))
        x86_sys_st(env, addr + 4, hi, 4);
}

/* SDM 3A §3.4.5.1: the processor sets the accessed bit when it loads a segment
 * register from a descriptor whose bit is clear. */
void x86_set_accessed(CPUX86State *env, uint16_t sel, X86Desc *d)
{
    if (d->hi & DESC_A_MASK)
        return;
    d->hi |= DESC_A_MASK;
    x86_write_desc_hi(env, sel, d->hi);
}

/* Fetches sel's descriptor or raises vector(sel). */
void x86_fetch_desc(CPUX86State *env, uint16_t sel, bool wide, X86Desc *d, int vector, uint32_t ext)
{
    if (!x86_read_desc(env, sel, wide, d))
        fault(env, vector, x86_sel_err(sel) | ext);
}

void x86_load_seg_cache(CPUX86State *env, int seg, uint16_t selector, uint64_t base, uint32_t limit,
                        uint32_t flags)
{
    SegmentCache *sc = &env->segs[seg];
    sc->selector = selector;
    sc->base = base;
    sc->limit = limit;
    sc->flags = flags;
    if (seg == R_CS || seg == R_SS)
        x86_cpu_update_hflags(env);
}

void x86_load_seg_desc(CPUX86State *env, int seg, uint16_t sel, const X86Desc *d)
{
    x86_load_seg_cache(env, seg, sel, x86_desc_base(d, false), x86_desc_limit(d),
                       x86_desc_flags(d));
}

/* SDM 3A §5.2.1: in IA-32e mode a code segment with L = 1 and D = 1 is reserved. */
static bool code_l_and_d(const CPUX86State *env, const X86Desc *d)
{
    return ia32e(env) && (d->hi & DESC_L_MASK) && (d->hi & DESC_B_MASK);
}

/* ---- segment register loads ---- */

static void load_seg_real_mode(CPUX86State *env, int seg, uint16_t sel)
{
    /* SDM 3A §20.1.1: in real mode the base is selector * 16; limit and attributes
     * stay as they were (which is what makes unreal mode work). */
    env->segs[seg].selector = sel;
    env->segs[seg].base = (uint64_t)sel << 4;
}

void x86_load_seg_v86(CPUX86State *env, int seg, uint16_t sel)
{
    x86_load_seg_cache(env, seg, sel, (uint64_t)sel << 4, 0xffff, V86_SEG_FLAGS);
}

/* A null selector in a data segment register (SDM 3A §3.4.2): loading it is allowed,
 * using the register faults. Intel parts clear the base, also for FS/GS in 64-bit
 * mode. */
static void load_null_seg(CPUX86State *env, int seg, uint16_t sel, uint32_t flags)
{
    x86_load_seg_cache(env, seg, sel, 0, 0, flags);
}

/* SDM Vol 2B MOV (segment register) and 3A §5.5/§5.6: protected-mode checks. */
static void load_seg_protected(CPUX86State *env, int seg, uint16_t sel)
{
    unsigned cpl = cpl_of(env), rpl = sel & X86_SEL_RPL;
    X86Desc d;
    if (x86_sel_is_null(sel)) {
        /* SS may be null only in 64-bit mode, at CPL < 3, with RPL = CPL. */
        if (seg == R_SS) {
            if (!mode64(env) || cpl == 3 || rpl != cpl)
                fault(env, EXCP_GP, 0);
            load_null_seg(env, seg, sel, (uint32_t)rpl << DESC_DPL_SHIFT);
            return;
        }
        load_null_seg(env, seg, sel, 0);
        return;
    }
    x86_fetch_desc(env, sel, false, &d, EXCP_GP, 0);
    unsigned dpl = x86_desc_dpl(&d);
    if (x86_desc_is_system(&d))
        fault(env, EXCP_GP, x86_sel_err(sel));
    if (seg == R_SS) {
        if (rpl != cpl || dpl != cpl || !x86_desc_is_writable_data(&d))
            fault(env, EXCP_GP, x86_sel_err(sel));
        if (!x86_desc_present(&d))
            fault(env, EXCP_SS, x86_sel_err(sel));
    } else {
        unsigned type = x86_desc_type(&d);
        if ((type & TYPE_CODE) && !(type & TYPE_RW)) /* execute-only code */
            fault(env, EXCP_GP, x86_sel_err(sel));
        if (!x86_desc_is_conforming(&d) && (rpl > dpl || cpl > dpl))
            fault(env, EXCP_GP, x86_sel_err(sel));
        if (!x86_desc_present(&d))
            fault(env, EXCP_NP, x86_sel_err(sel));
    }
    x86_set_accessed(env, sel, &d);
    x86_load_seg_desc(env, seg, sel, &d);
}

void x86_load_seg(CPUX86State *env, int seg, uint16_t selector)
{
    if (!(env->cr[0] & CR0_PE))
        load_seg_real_mode(env, seg, selector);
    else if (env->eflags & VM_MASK)
        x86_load_seg_v86(env, seg, selector);
    else
        load_seg_protected(env, seg, selector);
}

void helper_load_seg(CPUX86State *env, uint64_t seg, uint64_t selector)
{
    x86_load_seg(env, (int)seg, (uint16_t)selector);
    /* SDM Vol 2B MOV/POP: a load of SS blocks interrupts (and debug traps) until the
     * next instruction completes, so that SS:ESP can be changed as a pair. */
    if (seg == R_SS)
        env->inhibit_irq = true;
}

/* ---- LDTR and TR ---- */

/* The 16-byte system descriptors of IA-32e mode have a zero type in the upper half
 * (SDM 3A §7.2.3 Figure 7-4). */
static bool wide_desc_ok(const X86Desc *d)
{
    return ((d->hi64 >> 40) & 0x1f) == 0;
}

void x86_load_ldt(CPUX86State *env, uint16_t selector)
{
    X86Desc d;
    bool wide = ia32e(env);
    if (x86_sel_is_null(selector)) {
        /* SDM Vol 2A LLDT: a null selector marks the LDTR invalid. */
        env->ldt.selector = selector;
        env->ldt.base = 0;
        env->ldt.limit = 0;
        env->ldt.flags = 0;
        return;
    }
    if (selector & X86_SEL_TI)
        fault(env, EXCP_GP, x86_sel_err(selector));
    x86_fetch_desc(env, selector, wide, &d, EXCP_GP, 0);
    if (!x86_desc_is_system(&d) || x86_desc_type(&d) != TYPE_LDT || (wide && !wide_desc_ok(&d)))
        fault(env, EXCP_GP, x86_sel_err(selector));
    if (!x86_desc_present(&d))
        fault(env, EXCP_NP, x86_sel_err(selector));
    env->ldt.selector = selector;
    env->ldt.base = x86_desc_base(&d, wide);
    env->ldt.limit = x86_desc_limit(&d);
    env->ldt.flags = x86_desc_flags(&d);
}

void x86_load_tr(CPUX86State *env, uint16_t selector)
{
    X86Desc d;
    bool wide = ia32e(env);
    if (x86_sel_is_null(selector))
        fault(env, EXCP_GP, 0);
    if (selector & X86_SEL_TI)
        fault(env, EXCP_GP, x86_sel_err(selector));
    x86_fetch_desc(env, selector, wide, &d, EXCP_GP, 0);
    unsigned type = x86_desc_type(&d);
    /* SDM Vol 2A LTR: an available TSS; in IA-32e mode only the 64-bit one. */
    bool ok = x86_desc_is_system(&d) && (type == TYPE_TSS32 || (type == TYPE_TSS16 && !wide));
    if (!ok || (wide && !wide_desc_ok(&d)))
        fault(env, EXCP_GP, x86_sel_err(selector));
    if (!x86_desc_present(&d))
        fault(env, EXCP_NP, x86_sel_err(selector));
    d.hi |= TYPE_TSS_BUSY << DESC_TYPE_SHIFT;
    x86_write_desc_hi(env, selector, d.hi);
    env->tr.selector = selector;
    env->tr.base = x86_desc_base(&d, wide);
    env->tr.limit = x86_desc_limit(&d);
    env->tr.flags = x86_desc_flags(&d);
}

/* ---- stacks ---- */

uint64_t x86_stack_mask(bool is64, uint32_t ss_flags)
{
    if (is64)
        return ~0ull;
    return (ss_flags & DESC_B_MASK) ? 0xffffffffull : 0xffffull;
}

/* Stack accesses are ordinary data accesses at the privilege of the stack's CPL: the
 * new CPL's after a privilege change (SDM 3A §6.12.1, §5.8.5). */
static unsigned stack_mmu_index(const CPUX86State *env, unsigned cpl)
{
    return x86_mmu_index((env->hflags & ~HF_CPL_MASK) | cpl);
}

X86Stack x86_stack_current(const CPUX86State *env)
{
    X86Stack s;
    s.base = mode64(env) ? 0 : env->segs[R_SS].base;
    s.rsp = env->regs[R_ESP];
    s.mask = x86_stack_mask(mode64(env), env->segs[R_SS].flags);
    s.mmu_idx = x86_mmu_index(env->hflags);
    return s;
}

X86Stack x86_stack_new(const CPUX86State *env, uint64_t base, uint64_t rsp, uint64_t mask,
                       unsigned cpl)
{
    X86Stack s = {base, rsp, mask, stack_mmu_index(env, cpl)};
    return s;
}

static uint64_t stack_linear(const X86Stack *s)
{
    uint64_t a = s->base + (s->rsp & s->mask);
    return s->mask == ~0ull ? a : (a & 0xffffffffu);
}

static void stack_adjust(X86Stack *s, int64_t delta)
{
    uint64_t sp = s->rsp + (uint64_t)delta;
    if (s->mask == 0xffff)
        s->rsp = (s->rsp & ~0xffffull) | (sp & 0xffff);
    else
        s->rsp = sp & s->mask;
}

void x86_stack_push(CPUX86State *env, X86Stack *s, uint64_t val, unsigned size)
{
    stack_adjust(s, -(int64_t)size);
    x86_st_idx(env, stack_linear(s), val, size, s->mmu_idx);
}

uint64_t x86_stack_pop(CPUX86State *env, X86Stack *s, unsigned size)
{
    uint64_t v = x86_ld_idx(env, stack_linear(s), size, s->mmu_idx);
    stack_adjust(s, (int64_t)size);
    return v;
}

void x86_stack_commit(CPUX86State *env, const X86Stack *s)
{
    env->regs[R_ESP] = s->rsp;
}

/* ---- far control transfers ---- */

static bool real_or_vm86(const CPUX86State *env)
{
    return !(env->cr[0] & CR0_PE) || (env->eflags & VM_MASK);
}

/* SDM Vol 2A JMP/CALL: the offset must be within the new code segment's limit, or
 * canonical for a 64-bit code segment. */
static void check_code_offset(CPUX86State *env, const X86Desc *cs, uint64_t offset)
{
    if (x86_desc_is_code64(env, cs)) {
        if (!is_canonical(offset))
            fault(env, EXCP_GP, 0);
    } else if (offset > x86_desc_limit(cs)) {
        fault(env, EXCP_GP, 0);
    }
}

/* Loads CS from a checked descriptor with RPL = the new CPL. */
static void load_cs(CPUX86State *env, uint16_t sel, const X86Desc *d, unsigned cpl)
{
    x86_load_seg_desc(env, R_CS, (uint16_t)((sel & ~X86_SEL_RPL) | cpl), d);
}

/* Target IP of a transfer: truncated to 32 bits unless the target is 64-bit code. */
static uint64_t code_ip(const CPUX86State *env, const X86Desc *cs, uint64_t offset)
{
    return x86_desc_is_code64(env, cs) ? offset : (offset & 0xffffffffu);
}

/* SDM Vol 2A JMP/CALL, far transfer to a code segment: non-conforming needs
 * RPL <= CPL and DPL = CPL, conforming DPL <= CPL; the CPL does not change. */
static void check_direct_code(CPUX86State *env, uint16_t sel, const X86Desc *d)
{
    unsigned cpl = cpl_of(env), dpl = x86_desc_dpl(d);
    if (!x86_desc_is_code(d))
        fault(env, EXCP_GP, x86_sel_err(sel));
    if (x86_desc_is_conforming(d) ? dpl > cpl : ((sel & X86_SEL_RPL) > cpl || dpl != cpl))
        fault(env, EXCP_GP, x86_sel_err(sel));
    if (code_l_and_d(env, d))
        fault(env, EXCP_GP, x86_sel_err(sel));
    if (!x86_desc_present(d))
        fault(env, EXCP_NP, x86_sel_err(sel));
}

/* A call gate's fields (SDM 3A §5.8.3 Figure 5-8, §5.8.3.1 Figure 5-9 for 64-bit). */
typedef struct CallGate {
    uint16_t selector;
    uint64_t offset;
    unsigned size; /* bytes per push: 2, 4 or 8 */
    unsigned params;
} CallGate;

/* Reads a call gate (already fetched as 8 bytes) and checks its own privilege: DPL >=
 * CPL and DPL >= RPL, present; in IA-32e mode the 16-byte form. */
static CallGate read_call_gate(CPUX86State *env, uint16_t sel, X86Desc *d)
{
    unsigned cpl = cpl_of(env), dpl = x86_desc_dpl(d);
    CallGate g;
    if (ia32e(env) && x86_desc_type(d) != TYPE_CALLGATE32)
        fault(env, EXCP_GP, x86_sel_err(sel));
    if (dpl < cpl || (sel & X86_SEL_RPL) > dpl)
        fault(env, EXCP_GP, x86_sel_err(sel));
    if (!x86_desc_present(d))
        fault(env, EXCP_NP, x86_sel_err(sel));
    if (ia32e(env)) {
        x86_fetch_desc(env, sel, true, d, EXCP_GP, 0);
        if (!wide_desc_ok(d))
            fault(env, EXCP_GP, x86_sel_err(sel));
    }
    g.selector = (uint16_t)(d->lo >> 16);
    g.offset = (d->lo & 0xffffu) | (d->hi & 0xffff0000u);
    g.params = d->hi & 0x1f;
    if (ia32e(env)) {
        g.offset |= (d->hi64 & 0xffffffffu) << 32;
        g.size = 8;
        g.params = 0;
    } else if (x86_desc_type(d) == TYPE_CALLGATE32) {
        g.size = 4;
    } else {
        g.offset &= 0xffff;
        g.size = 2;
    }
    return g;
}

/* The code segment a call gate names: a present code segment with DPL <= CPL (and
 * 64-bit code in IA-32e mode). */
static void fetch_gate_target(CPUX86State *env, const CallGate *g, X86Desc *cs)
{
    if (x86_sel_is_null(g->selector))
        fault(env, EXCP_GP, 0);
    x86_fetch_desc(env, g->selector, false, cs, EXCP_GP, 0);
    if (!x86_desc_is_code(cs) || x86_desc_dpl(cs) > cpl_of(env))
        fault(env, EXCP_GP, x86_sel_err(g->selector));
    if (ia32e(env) && !x86_desc_is_code64(env, cs))
        fault(env, EXCP_GP, x86_sel_err(g->selector));
    if (!x86_desc_present(cs))
        fault(env, EXCP_NP, x86_sel_err(g->selector));
}

/* JMP through a call gate (SDM Vol 2A JMP): no privilege change is possible. */
static void jmp_call_gate(CPUX86State *env, uint16_t sel, X86Desc *d)
{
    unsigned cpl = cpl_of(env);
    CallGate g = read_call_gate(env, sel, d);
    X86Desc cs;
    fetch_gate_target(env, &g, &cs);
    if (x86_desc_is_conforming(&cs) ? x86_desc_dpl(&cs) > cpl : x86_desc_dpl(&cs) != cpl)
        fault(env, EXCP_GP, x86_sel_err(g.selector));
    check_code_offset(env, &cs, g.offset);
    x86_set_accessed(env, g.selector, &cs);
    load_cs(env, g.selector, &cs, cpl);
    env->rip = code_ip(env, &cs, g.offset);
}

/* A TSS descriptor named by a task gate (SDM Vol 2A JMP/CALL, "TASK-GATE"): in the
 * GDT, and available. */
static void fetch_gated_tss(CPUX86State *env, const X86Desc *gate, uint16_t *tss_sel, X86Desc *tss)
{
    *tss_sel = (uint16_t)(gate->lo >> 16);
    if (*tss_sel & X86_SEL_TI)
        fault(env, EXCP_GP, x86_sel_err(*tss_sel));
    x86_fetch_desc(env, *tss_sel, false, tss, EXCP_GP, 0);
    unsigned type = x86_desc_type(tss);
    if (!x86_desc_is_system(tss) || (type != TYPE_TSS16 && type != TYPE_TSS32))
        fault(env, EXCP_GP, x86_sel_err(*tss_sel));
    if (!x86_desc_present(tss))
        fault(env, EXCP_NP, x86_sel_err(*tss_sel));
}

/* JMP/CALL to a task gate or a TSS: DPL >= CPL and DPL >= RPL; not in IA-32e mode. */
static void far_task_switch(CPUX86State *env, uint16_t sel, X86Desc *d, X86TaskSwitchSource source,
                            uint64_t next_eip)
{
    unsigned dpl = x86_desc_dpl(d);
    if (ia32e(env) || dpl < cpl_of(env) || (sel & X86_SEL_RPL) > dpl)
        fault(env, EXCP_GP, x86_sel_err(sel));
    if (!x86_desc_present(d))
        fault(env, EXCP_NP, x86_sel_err(sel));
    if (x86_desc_type(d) == TYPE_TASKGATE) {
        uint16_t tss_sel;
        X86Desc tss;
        fetch_gated_tss(env, d, &tss_sel, &tss);
        x86_task_switch(env, tss_sel, &tss, source, next_eip, false, 0);
        return;
    }
    x86_task_switch(env, sel, d, source, next_eip, false, 0);
}

static bool is_task_target(const X86Desc *d)
{
    unsigned type = x86_desc_type(d);
    return type == TYPE_TASKGATE || type == TYPE_TSS16 || type == TYPE_TSS32;
}

/* SDM Vol 2A JMP, protected mode and IA-32e mode far forms. */
static void far_jmp_protected(CPUX86State *env, uint16_t sel, uint64_t offset)
{
    X86Desc d;
    if (x86_sel_is_null(sel))
        fault(env, EXCP_GP, 0);
    x86_fetch_desc(env, sel, false, &d, EXCP_GP, 0);
    if (!x86_desc_is_system(&d)) {
        check_direct_code(env, sel, &d);
        check_code_offset(env, &d, offset);
        x86_set_accessed(env, sel, &d);
        load_cs(env, sel, &d, cpl_of(env));
        env->rip = code_ip(env, &d, offset);
        return;
    }
    unsigned type = x86_desc_type(&d);
    if (type == TYPE_CALLGATE32 || (type == TYPE_CALLGATE16 && !ia32e(env))) {
        jmp_call_gate(env, sel, &d);
        return;
    }
    if (is_task_target(&d)) {
        far_task_switch(env, sel, &d, X86_TS_JMP, x86_current_insn_next_eip(env));
        return;
    }
    fault(env, EXCP_GP, x86_sel_err(sel));
}

void helper_ljmp(CPUX86State *env, uint64_t selector, uint64_t eip)
{
    if (real_or_vm86(env)) {
        load_seg_real_mode(env, R_CS, (uint16_t)selector);
        env->rip = eip;
        return;
    }
    far_jmp_protected(env, (uint16_t)selector, eip);
}

/* The inner-level stack of a legacy TSS (SDM 3A §7.2.1 Figure 7-2, §7.2.2 for the
 * 16-bit layout): SS:ESP for privilege dpl; #TS(TSS selector) beyond the limit. */
void x86_tss_inner_stack(CPUX86State *env, unsigned dpl, uint32_t ext, uint16_t *ss, uint64_t *esp)
{
    bool tss32 = (env->tr.flags >> DESC_TYPE_SHIFT) & 8;
    unsigned off = tss32 ? 4 + 8 * dpl : 2 + 4 * dpl;
    unsigned len = tss32 ? 8 : 4;
    if (!(env->tr.flags & DESC_P_MASK) || off + len - 1 > env->tr.limit)
        fault(env, EXCP_TS, x86_sel_err((uint16_t)env->tr.selector) | ext);
    if (tss32) {
        *esp = x86_sys_ld(env, env->tr.base + off, 4);
        *ss = (uint16_t)x86_sys_ld(env, env->tr.base + off + 4, 2);
    } else {
        *esp = x86_sys_ld(env, env->tr.base + off, 2);
        *ss = (uint16_t)x86_sys_ld(env, env->tr.base + off + 2, 2);
    }
}

/* The 64-bit TSS (SDM 3A §7.7 Figure 7-11): RSPn at 4 + 8n, ISTn at 24h + 8(n - 1),
 * i.e. entry index at 4 + 8 * index with ISTn = index n + 3. */
uint64_t x86_tss64_stack(CPUX86State *env, unsigned index, uint32_t ext)
{
    unsigned off = 4 + 8 * index;
    if (!(env->tr.flags & DESC_P_MASK) || off + 7 > env->tr.limit)
        fault(env, EXCP_TS, x86_sel_err((uint16_t)env->tr.selector) | ext);
    return x86_sys_ld(env, env->tr.base + off, 8);
}

/* The new SS of a stack switch to privilege dpl (SDM Vol 2A CALL "MORE-PRIVILEGE" and
 * INT n "INTER-PRIVILEGE-LEVEL-INTERRUPT"): #TS(SS) unless a present writable data
 * segment with RPL = DPL = dpl; #SS(SS) when not present. */
void x86_check_inner_ss(CPUX86State *env, uint16_t ss, unsigned dpl, uint32_t ext, X86Desc *d)
{
    if (x86_sel_is_null(ss))
        fault(env, EXCP_TS, ext);
    if ((ss & X86_SEL_RPL) != dpl)
        fault(env, EXCP_TS, x86_sel_err(ss) | ext);
    x86_fetch_desc(env, ss, false, d, EXCP_TS, ext);
    if (!x86_desc_is_writable_data(d) || x86_desc_dpl(d) != dpl)
        fault(env, EXCP_TS, x86_sel_err(ss) | ext);
    if (!x86_desc_present(d))
        fault(env, EXCP_SS, x86_sel_err(ss) | ext);
}

/* The data segment registers a return to an outer level must not keep (SDM Vol 2A
 * RET/IRET): data and non-conforming code segments more privileged than the new CPL
 * are made null. */
static void null_inaccessible_segs(CPUX86State *env, unsigned cpl)
{
    static const int segs[] = {R_ES, R_DS, R_FS, R_GS};
    for (unsigned i = 0; i < 4; i++) {
        SegmentCache *sc = &env->segs[segs[i]];
        unsigned dpl = (sc->flags >> DESC_DPL_SHIFT) & 3;
        bool conforming_code = (sc->flags & (DESC_CS_MASK | (TYPE_CONFORMING << 8))) ==
                               (DESC_CS_MASK | (TYPE_CONFORMING << 8));
        if (x86_sel_is_null((uint16_t)sc->selector) || conforming_code || dpl >= cpl)
            continue;
        uint64_t base = (mode64(env) && segs[i] >= R_FS) ? sc->base : 0;
        x86_load_seg_cache(env, segs[i], 0, base, 0, 0);
    }
}

/* CALL through a call gate to a more privileged non-conforming segment (SDM Vol 2A
 * CALL "MORE-PRIVILEGE", 3A §5.8.5 Figure 5-13): the inner stack comes from the TSS,
 * the caller's SS:ESP and the gate's parameters are copied onto it. */
static void call_gate_inner(CPUX86State *env, const CallGate *g, X86Desc *cs, uint64_t next_eip)
{
    unsigned dpl = x86_desc_dpl(cs);
    X86Stack old = x86_stack_current(env), s;
    uint16_t ss;
    X86Desc ssd;
    if (ia32e(env)) {
        /* SDM 3A §5.8.5.1: the new SS is a null selector with RPL = the new CPL. */
        ss = (uint16_t)dpl;
        s = x86_stack_new(env, 0, x86_tss64_stack(env, dpl, 0), ~0ull, dpl);
    } else {
        uint64_t esp;
        x86_tss_inner_stack(env, dpl, 0, &ss, &esp);
        x86_check_inner_ss(env, ss, dpl, 0, &ssd);
        s = x86_stack_new(env, x86_desc_base(&ssd, false), esp, x86_stack_mask(false, ssd.hi), dpl);
    }
    x86_stack_push(env, &s, env->segs[R_SS].selector, g->size);
    x86_stack_push(env, &s, env->regs[R_ESP] & (g->size == 2 ? 0xffff : ~0ull), g->size);
    for (unsigned i = g->params; i-- > 0;) {
        X86Stack p = old;
        stack_adjust(&p, (int64_t)(i * g->size));
        x86_stack_push(env, &s, x86_stack_pop(env, &p, g->size), g->size);
    }
    x86_stack_push(env, &s, env->segs[R_CS].selector, g->size);
    x86_stack_push(env, &s, next_eip, g->size);
    x86_set_accessed(env, g->selector, cs);
    if (ia32e(env)) {
        x86_load_seg_cache(env, R_SS, ss, 0, 0, (uint32_t)dpl << DESC_DPL_SHIFT);
    } else {
        x86_set_accessed(env, ss, &ssd);
        x86_load_seg_desc(env, R_SS, ss, &ssd);
    }
    x86_stack_commit(env, &s);
    load_cs(env, g->selector, cs, dpl);
    env->rip = code_ip(env, cs, g->offset);
}

/* SDM Vol 2A CALL through a call gate. */
static void call_gate(CPUX86State *env, uint16_t sel, X86Desc *d, uint64_t next_eip)
{
    unsigned cpl = cpl_of(env);
    CallGate g = read_call_gate(env, sel, d);
    X86Desc cs;
    fetch_gate_target(env, &g, &cs);
    check_code_offset(env, &cs, g.offset);
    if (!x86_desc_is_conforming(&cs) && x86_desc_dpl(&cs) < cpl) {
        call_gate_inner(env, &g, &cs, next_eip);
        return;
    }
    X86Stack s = x86_stack_current(env);
    x86_stack_push(env, &s, env->segs[R_CS].selector, g.size);
    x86_stack_push(env, &s, next_eip, g.size);
    x86_set_accessed(env, g.selector, &cs);
    x86_stack_commit(env, &s);
    load_cs(env, g.selector, &cs, cpl);
    env->rip = code_ip(env, &cs, g.offset);
}

/* SDM Vol 2A CALL, protected mode and IA-32e mode far forms. */
static void far_call_protected(CPUX86State *env, uint16_t sel, uint64_t offset, uint64_t next_eip,
                               unsigned opsize)
{
    X86Desc d;
    if (x86_sel_is_null(sel))
        fault(env, EXCP_GP, 0);
    x86_fetch_desc(env, sel, false, &d, EXCP_GP, 0);
    if (!x86_desc_is_system(&d)) {
        check_direct_code(env, sel, &d);
        check_code_offset(env, &d, offset);
        X86Stack s = x86_stack_current(env);
        x86_stack_push(env, &s, env->segs[R_CS].selector, opsize);
        x86_stack_push(env, &s, next_eip, opsize);
        x86_set_accessed(env, sel, &d);
        x86_stack_commit(env, &s);
        load_cs(env, sel, &d, cpl_of(env));
        env->rip = code_ip(env, &d, offset);
        return;
    }
    unsigned type = x86_desc_type(&d);
    if (type == TYPE_CALLGATE32 || (type == TYPE_CALLGATE16 && !ia32e(env))) {
        call_gate(env, sel, &d, next_eip);
        return;
    }
    if (is_task_target(&d)) {
        far_task_switch(env, sel, &d, X86_TS_CALL, next_eip);
        return;
    }
    fault(env, EXCP_GP, x86_sel_err(sel));
}

void helper_lcall(CPUX86State *env, uint64_t selector, uint64_t eip, uint64_t next_eip,
                  uint64_t opsize)
{
    if (!real_or_vm86(env)) {
        far_call_protected(env, (uint16_t)selector, eip, next_eip, (unsigned)opsize);
        return;
    }
    /* Both pushes happen before CS changes: a fault on the second leaves the first
     * one's rSP uncommitted only if it came first, so push through one X86Stack. */
    X86Stack s = x86_stack_current(env);
    x86_stack_push(env, &s, env->segs[R_CS].selector, (unsigned)opsize);
    x86_stack_push(env, &s, next_eip, (unsigned)opsize);
    x86_stack_commit(env, &s);
    load_seg_real_mode(env, R_CS, (uint16_t)selector);
    env->rip = eip;
}

/* The CS a far return or IRET goes back to (SDM Vol 2A RET/IRET): present code with
 * RPL >= CPL, and DPL = RPL (non-conforming) or DPL <= RPL (conforming). */
static void check_return_cs(CPUX86State *env, uint16_t sel, X86Desc *d)
{
    unsigned rpl = sel & X86_SEL_RPL, dpl;
    if (x86_sel_is_null(sel))
        fault(env, EXCP_GP, 0);
    x86_fetch_desc(env, sel, false, d, EXCP_GP, 0);
    dpl = x86_desc_dpl(d);
    if (!x86_desc_is_code(d) || rpl < cpl_of(env))
        fault(env, EXCP_GP, x86_sel_err(sel));
    if (x86_desc_is_conforming(d) ? dpl > rpl : dpl != rpl)
        fault(env, EXCP_GP, x86_sel_err(sel));
    if (code_l_and_d(env, d))
        fault(env, EXCP_GP, x86_sel_err(sel));
    if (!x86_desc_present(d))
        fault(env, EXCP_NP, x86_sel_err(sel));
}

/* The SS a return to an outer level pops (SDM Vol 2A RET/IRET): present writable
 * data with RPL = DPL = the new CPL; a null SS only when returning to 64-bit code
 * at CPL < 3. Returns whether it is null. */
static bool check_return_ss(CPUX86State *env, uint16_t ss, unsigned rpl, const X86Desc *cs,
                            X86Desc *d)
{
    if (x86_sel_is_null(ss)) {
        if (x86_desc_is_code64(env, cs) && rpl != 3)
            return true;
        fault(env, EXCP_GP, 0);
    }
    if ((ss & X86_SEL_RPL) != rpl)
        fault(env, EXCP_GP, x86_sel_err(ss));
    x86_fetch_desc(env, ss, false, d, EXCP_GP, 0);
    if (!x86_desc_is_writable_data(d) || x86_desc_dpl(d) != rpl)
        fault(env, EXCP_GP, x86_sel_err(ss));
    if (!x86_desc_present(d))
        fault(env, EXCP_SS, x86_sel_err(ss));
    return false;
}

/* Loads SS (checked by check_return_ss) and rSP for a return to an outer level. */
static void load_return_stack(CPUX86State *env, uint16_t ss, unsigned rpl, bool null_ss, X86Desc *d,
                              uint64_t rsp)
{
    if (null_ss) {
        x86_load_seg_cache(env, R_SS, ss, 0, 0, (uint32_t)rpl << DESC_DPL_SHIFT);
    } else {
        x86_load_seg_desc(env, R_SS, ss, d);
    }
    env->regs[R_ESP] = rsp & x86_stack_mask(mode64(env), env->segs[R_SS].flags);
}

/* SDM Vol 2A RET (far), protected mode: same level, or outer level with SS:ESP popped
 * after the imm16 release. */
static void far_ret_protected(CPUX86State *env, unsigned opsize, uint64_t imm)
{
    X86Stack s = x86_stack_current(env);
    uint64_t eip = x86_stack_pop(env, &s, opsize);
    uint16_t sel = (uint16_t)x86_stack_pop(env, &s, opsize);
    unsigned rpl = sel & X86_SEL_RPL;
    X86Desc cs, ssd;
    check_return_cs(env, sel, &cs);
    stack_adjust(&s, (int64_t)imm);
    if (rpl == cpl_of(env)) {
        check_code_offset(env, &cs, eip);
        x86_set_accessed(env, sel, &cs);
        x86_stack_commit(env, &s);
        x86_load_seg_desc(env, R_CS, sel, &cs);
        env->rip = code_ip(env, &cs, eip);
        return;
    }
    uint64_t rsp = x86_stack_pop(env, &s, opsize);
    uint16_t ss = (uint16_t)x86_stack_pop(env, &s, opsize);
    bool null_ss = check_return_ss(env, ss, rpl, &cs, &ssd);
    check_code_offset(env, &cs, eip);
    x86_set_accessed(env, sel, &cs);
    if (!null_ss)
        x86_set_accessed(env, ss, &ssd);
    x86_load_seg_desc(env, R_CS, sel, &cs);
    load_return_stack(env, ss, rpl, null_ss, &ssd, rsp + imm);
    env->rip = code_ip(env, &cs, eip);
    null_inaccessible_segs(env, rpl);
}

void helper_lret(CPUX86State *env, uint64_t opsize, uint64_t imm)
{
    if (!real_or_vm86(env)) {
        far_ret_protected(env, (unsigned)opsize, imm);
        return;
    }
    X86Stack s = x86_stack_current(env);
    uint64_t eip = x86_stack_pop(env, &s, (unsigned)opsize);
    uint16_t cs = (uint16_t)x86_stack_pop(env, &s, (unsigned)opsize);
    stack_adjust(&s, (int64_t)imm);
    x86_stack_commit(env, &s);
    load_seg_real_mode(env, R_CS, cs);
    env->rip = eip;
}

/* ---- IRET ---- */

/* SDM Vol 2A IRET, real-address mode and virtual-8086 mode with IOPL = 3: pop IP, CS,
 * FLAGS (16 or 32 bits). v8086 mode keeps IOPL (and VM, VIF, VIP). */
static void iret_real(CPUX86State *env, unsigned opsize)
{
    X86Stack s = x86_stack_current(env);
    uint64_t eip = x86_stack_pop(env, &s, opsize);
    uint16_t cs = (uint16_t)x86_stack_pop(env, &s, opsize);
    uint32_t fl = (uint32_t)x86_stack_pop(env, &s, opsize);
    uint32_t mask = CC_MASK | TF_MASK | IF_MASK | DF_MASK | NT_MASK;
    if (opsize == 4)
        mask |= AC_MASK | ID_MASK | RF_MASK;
    if (env->eflags & VM_MASK)
        x86_load_seg_v86(env, R_CS, cs);
    else
        load_seg_real_mode(env, R_CS, cs);
    if (!(env->eflags & VM_MASK))
        mask |= IOPL_MASK;
    x86_stack_commit(env, &s);
    env->rip = eip & 0xffff;
    if (opsize == 4 && !(env->eflags & VM_MASK))
        env->rip = eip & 0xffffffffu;
    x86_write_eflags(env, fl, mask);
}

/* SDM Vol 2A IRET in virtual-8086 mode with CR4.VME, IOPL < 3, 16-bit: IP, CS, FLAGS
 * popped; the flags checked and loaded (IF into VIF) before anything is committed. */
static void iret_v86_vme(CPUX86State *env)
{
    X86Stack s = x86_stack_current(env);
    uint64_t eip = x86_stack_pop(env, &s, 2);
    uint16_t cs = (uint16_t)x86_stack_pop(env, &s, 2);
    uint32_t fl = (uint32_t)x86_stack_pop(env, &s, 2);
    x86_vme_load_flags(env, fl);
    x86_stack_commit(env, &s);
    x86_load_seg_v86(env, R_CS, cs);
    env->rip = eip & 0xffff;
}

/* SDM Vol 2A IRET "RETURN-TO-VIRTUAL-8086-MODE": from CPL 0 with a 32-bit frame whose
 * EFLAGS has VM set: ESP, SS, ES, DS, FS, GS follow on the stack. */
static void iret_to_v86(CPUX86State *env, X86Stack *s, uint64_t eip, uint16_t cs, uint32_t fl)
{
    uint32_t esp = (uint32_t)x86_stack_pop(env, s, 4);
    uint16_t ss = (uint16_t)x86_stack_pop(env, s, 4);
    uint16_t es = (uint16_t)x86_stack_pop(env, s, 4);
    uint16_t ds = (uint16_t)x86_stack_pop(env, s, 4);
    uint16_t fs = (uint16_t)x86_stack_pop(env, s, 4);
    uint16_t gs = (uint16_t)x86_stack_pop(env, s, 4);
    x86_write_eflags(env, fl, X86_EFLAGS_ALL);
    x86_load_seg_v86(env, R_CS, cs);
    x86_load_seg_v86(env, R_SS, ss);
    x86_load_seg_v86(env, R_ES, es);
    x86_load_seg_v86(env, R_DS, ds);
    x86_load_seg_v86(env, R_FS, fs);
    x86_load_seg_v86(env, R_GS, gs);
    env->regs[R_ESP] = esp;
    env->rip = eip & 0xffff;
}

/* The EFLAGS bits IRET may change in protected mode (SDM Vol 2A IRET): IOPL (and VIF/
 * VIP) only at CPL 0, IF only when CPL <= IOPL; 16 bits for a 16-bit IRET. */
static uint32_t iret_eflags_mask(const CPUX86State *env, unsigned opsize)
{
    unsigned cpl = cpl_of(env);
    uint32_t mask = CC_MASK | TF_MASK | DF_MASK | NT_MASK | RF_MASK | AC_MASK | ID_MASK;
    if (cpl == 0)
        mask |= IOPL_MASK | VIF_MASK | VIP_MASK;
    if (cpl <= iopl_of(env))
        mask |= IF_MASK;
    if (opsize == 2)
        mask &= 0xffff;
    return mask;
}

/* SDM Vol 2A IRET "PROTECTED-MODE-RETURN" and "IA-32e-MODE": same level (except in
 * 64-bit mode, where SS:RSP is always popped) or outer level. */
static void iret_protected(CPUX86State *env, unsigned opsize)
{
    X86Stack s = x86_stack_current(env);
    uint64_t eip = x86_stack_pop(env, &s, opsize);
    uint16_t sel = (uint16_t)x86_stack_pop(env, &s, opsize);
    uint32_t fl = (uint32_t)x86_stack_pop(env, &s, opsize);
    unsigned cpl = cpl_of(env), rpl = sel & X86_SEL_RPL;
    X86Desc cs, ssd;
    if (opsize == 4 && (fl & VM_MASK) && cpl == 0 && !ia32e(env)) {
        iret_to_v86(env, &s, eip, sel, fl);
        return;
    }
    check_return_cs(env, sel, &cs);
    uint32_t mask = iret_eflags_mask(env, opsize);
    if (rpl == cpl && !mode64(env)) {
        check_code_offset(env, &cs, eip);
        x86_set_accessed(env, sel, &cs);
        x86_stack_commit(env, &s);
        x86_load_seg_desc(env, R_CS, sel, &cs);
        env->rip = code_ip(env, &cs, eip);
        x86_write_eflags(env, fl, mask);
        return;
    }
    uint64_t rsp = x86_stack_pop(env, &s, opsize);
    uint16_t ss = (uint16_t)x86_stack_pop(env, &s, opsize);
    bool null_ss = check_return_ss(env, ss, rpl, &cs, &ssd);
    check_code_offset(env, &cs, eip);
    x86_set_accessed(env, sel, &cs);
    if (!null_ss)
        x86_set_accessed(env, ss, &ssd);
    x86_load_seg_desc(env, R_CS, sel, &cs);
    load_return_stack(env, ss, rpl, null_ss, &ssd, rsp);
    env->rip = code_ip(env, &cs, eip);
    x86_write_eflags(env, fl, mask);
    if (rpl > cpl)
        null_inaccessible_segs(env, rpl);
}

/* SDM Vol 2A IRET "TASK-RETURN" (EFLAGS.NT = 1, 3A §7.3): back to the task whose TSS
 * selector is the current TSS's back link, which must be a busy TSS in the GDT. */
static void iret_task_return(CPUX86State *env)
{
    uint16_t link = (uint16_t)x86_sys_ld(env, env->tr.base, 2);
    X86Desc d;
    if (link & X86_SEL_TI)
        fault(env, EXCP_TS, x86_sel_err(link));
    x86_fetch_desc(env, link, false, &d, EXCP_TS, 0);
    unsigned type = x86_desc_type(&d);
    if (!x86_desc_is_system(&d) || (type != TYPE_TSS16_BUSY && type != TYPE_TSS32_BUSY))
        fault(env, EXCP_TS, x86_sel_err(link));
    if (!x86_desc_present(&d))
        fault(env, EXCP_NP, x86_sel_err(link));
    x86_task_switch(env, link, &d, X86_TS_IRET, x86_current_insn_next_eip(env), false, 0);
}

void helper_iret(CPUX86State *env, uint64_t opsize)
{
    unsigned size = (unsigned)opsize;
    if (!(env->cr[0] & CR0_PE)) {
        iret_real(env, size);
    } else if (env->eflags & VM_MASK) {
        /* SDM 3A §20.2.7: IRET is IOPL-sensitive in v8086 mode; with VME the 16-bit
         * form works on VIF (§20.3.2). */
        if (iopl_of(env) == 3)
            iret_real(env, size);
        else if (x86_vme_applies(env) && size == 2)
            iret_v86_vme(env);
        else
            fault(env, EXCP_GP, 0);
    } else if (env->eflags & NT_MASK) {
        if (ia32e(env))
            fault(env, EXCP_GP, 0);
        iret_task_return(env);
    } else {
        iret_protected(env, size);
    }
    /* SDM 3A §6.7.1: an IRET ends the NMI handler's blocking of further NMIs. */
    env->nmi_blocked = false;
}

/* ---- I/O permission ---- */

bool x86_tss_io_map_base(CPUX86State *env, uint32_t *base)
{
    unsigned type = (env->tr.flags >> DESC_TYPE_SHIFT) & 0xf;
    if (!(env->tr.flags & DESC_P_MASK) || (type != TYPE_TSS32 && type != TYPE_TSS32_BUSY) ||
        env->tr.limit < 0x67)
        return false;
    *base = (uint32_t)x86_sys_ld(env, env->tr.base + 0x66, 2);
    return true;
}

void x86_check_io(CPUX86State *env, uint16_t port, unsigned size)
{
    if (!(env->cr[0] & CR0_PE))
        return;
    if (!(env->eflags & VM_MASK) && cpl_of(env) <= iopl_of(env))
        return;
    /* SDM Vol 1 §19.5.2: a port's bits beyond the TSS limit count as set. Two bytes are
     * read since the bits of one access may straddle a byte. */
    uint32_t io_base;
    if (!x86_tss_io_map_base(env, &io_base))
        fault(env, EXCP_GP, 0);
    uint32_t off = io_base + (port >> 3);
    if (off + 1 > env->tr.limit)
        fault(env, EXCP_GP, 0);
    uint32_t bits = (uint32_t)x86_sys_ld(env, env->tr.base + off, 2);
    uint32_t mask = ((1u << size) - 1) << (port & 7);
    if (bits & mask)
        fault(env, EXCP_GP, 0);
}
