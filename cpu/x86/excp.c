/* Exceptions and interrupts: leaving translated code, delivering an event to the guest
 * in every mode (SDM Vol 3A chapter 6, §20.1.4 for real mode, §20.3 for v8086 mode),
 * the double- and triple-fault rules, the acceptance of external interrupts and NMIs,
 * and task switches (chapter 7), which interrupts, JMP, CALL and IRET share.
 *
 * Delivery runs outside translated code (from the vCPU loop). A fault while delivering
 * (a bad gate, a not-present segment, a #PF on the new stack) is raised as usual with
 * x86_raise_exception_err; x86_do_interrupt catches it with its own sigsetjmp and
 * decides what to deliver next: the fault itself, a double fault, or shutdown.
 */
#include <stdio.h>
#include <string.h>

#include "cpu/x86/seg_helper.h"

#include "cpu/x86/decode.h"
#include "cpu/x86/tlb.h"
#include "cpu/x86/vme.h"
#include "system/machine.h"

_Noreturn void x86_cpu_loop_exit(CPUX86State *env)
{
    siglongjmp(env_cpu(env)->jmp_env, 1);
}

_Noreturn void x86_raise_exception_err(CPUX86State *env, int vector, int error_code)
{
    env->exception_index = vector;
    env->error_code = error_code;
    env->exception_has_error = true;
    env->exception_soft = false;
    x86_cpu_loop_exit(env);
}

_Noreturn void x86_raise_exception(CPUX86State *env, int vector)
{
    env->exception_index = vector;
    env->error_code = 0;
    env->exception_has_error = false;
    env->exception_soft = false;
    x86_cpu_loop_exit(env);
}

void x86_restore_state(CPUX86State *env, const uint64_t *insn_data)
{
    /* insn_start data: [0] = linear pc of the instruction, [1] = cs_base */
    env->rip = insn_data[0] - insn_data[1];
}

_Noreturn static void fault(CPUX86State *env, int vector, uint32_t error_code)
{
    x86_raise_exception_err(env, vector, (int)error_code);
}

static unsigned cpl_of(const CPUX86State *env)
{
    return env->hflags & HF_CPL_MASK;
}

/* ---- task switching (SDM 3A §7.3) ---- */

/* The state a TSS holds for its task (SDM 3A §7.2.1 Figure 7-2; the 16-bit TSS of
 * §7.6 Figure 7-10 has no CR3, FS, GS and 16-bit fields). */
typedef struct TaskImage {
    uint32_t cr3, eip, eflags;
    uint32_t regs[8];
    uint16_t segs[6]; /* ES, CS, SS, DS, FS, GS */
    uint16_t ldt;
} TaskImage;

enum {
    TSS32_CR3 = 0x1c,
    TSS32_EIP = 0x20,
    TSS32_EFLAGS = 0x24,
    TSS32_REGS = 0x28,
    TSS32_SEGS = 0x48,
    TSS32_LDT = 0x60,
    TSS32_MIN_LIMIT = 0x67,
    TSS16_IP = 0x0e,
    TSS16_FLAGS = 0x10,
    TSS16_REGS = 0x12,
    TSS16_SEGS = 0x22,
    TSS16_LDT = 0x2a,
    TSS16_MIN_LIMIT = 0x2b,
};

static void read_task_image(CPUX86State *env, uint64_t base, bool tss32, TaskImage *t)
{
    memset(t, 0, sizeof(*t));
    if (tss32) {
        t->cr3 = (uint32_t)x86_sys_ld(env, base + TSS32_CR3, 4);
        t->eip = (uint32_t)x86_sys_ld(env, base + TSS32_EIP, 4);
        t->eflags = (uint32_t)x86_sys_ld(env, base + TSS32_EFLAGS, 4);
        for (int i = 0; i < 8; i++)
            t->regs[i] = (uint32_t)x86_sys_ld(env, base + TSS32_REGS + 4 * i, 4);
        for (int i = 0; i < 6; i++)
            t->segs[i] = (uint16_t)x86_sys_ld(env, base + TSS32_SEGS + 4 * i, 2);
        t->ldt = (uint16_t)x86_sys_ld(env, base + TSS32_LDT, 2);
        return;
    }
    t->eip = (uint32_t)x86_sys_ld(env, base + TSS16_IP, 2);
    t->eflags = (uint32_t)x86_sys_ld(env, base + TSS16_FLAGS, 2);
    for (int i = 0; i < 8; i++)
        t->regs[i] = (uint32_t)x86_sys_ld(env, base + TSS16_REGS + 2 * i, 2);
    for (int i = 0; i < 4; i++)
        t->segs[i] = (uint16_t)x86_sys_ld(env, base + TSS16_SEGS + 2 * i, 2);
    t->ldt = (uint16_t)x86_sys_ld(env, base + TSS16_LDT, 2);
}

/* SDM 3A §7.3 step 9: the current task's dynamic fields go to its TSS. */
static void save_task_image(CPUX86State *env, uint64_t base, bool tss32, uint64_t eip,
                            uint32_t eflags)
{
    if (tss32) {
        x86_sys_st(env, base + TSS32_EIP, (uint32_t)eip, 4);
        x86_sys_st(env, base + TSS32_EFLAGS, eflags, 4);
        for (int i = 0; i < 8; i++)
            x86_sys_st(env, base + TSS32_REGS + 4 * i, (uint32_t)env->regs[i], 4);
        for (int i = 0; i < 6; i++)
            x86_sys_st(env, base + TSS32_SEGS + 4 * i, env->segs[i].selector, 2);
        return;
    }
    x86_sys_st(env, base + TSS16_IP, (uint16_t)eip, 2);
    x86_sys_st(env, base + TSS16_FLAGS, (uint16_t)eflags, 2);
    for (int i = 0; i < 8; i++)
        x86_sys_st(env, base + TSS16_REGS + 2 * i, (uint16_t)env->regs[i], 2);
    for (int i = 0; i < 4; i++)
        x86_sys_st(env, base + TSS16_SEGS + 2 * i, env->segs[i].selector, 2);
}

static void set_tss_busy(CPUX86State *env, uint16_t sel, bool busy)
{
    X86Desc d;
    if (!x86_read_desc(env, sel & ~X86_SEL_TI, false, &d))
        return;
    if (busy)
        d.hi |= 2u << DESC_TYPE_SHIFT;
    else
        d.hi &= ~(2u << DESC_TYPE_SHIFT);
    x86_write_desc_hi(env, sel & ~X86_SEL_TI, d.hi);
}

/* The LDT of the new task (SDM 3A §7.3 step 13, Table 7-1): null, or a present LDT
 * descriptor in the GDT; #TS(LDT selector) otherwise. */
static void task_load_ldt(CPUX86State *env, uint16_t sel)
{
    X86Desc d;
    env->ldt.selector = sel;
    env->ldt.base = 0;
    env->ldt.limit = 0;
    env->ldt.flags = 0;
    if (x86_sel_is_null(sel))
        return;
    if ((sel & X86_SEL_TI) || !x86_read_desc(env, sel, false, &d) || !x86_desc_is_system(&d) ||
        x86_desc_type(&d) != 2 || !x86_desc_present(&d))
        fault(env, EXCP_TS, x86_sel_err(sel));
    env->ldt.base = x86_desc_base(&d, false);
    env->ldt.limit = x86_desc_limit(&d);
    env->ldt.flags = x86_desc_flags(&d);
}

/* A segment register of the new task, with the checks of SDM 3A §7.3 Table 7-1:
 * #TS(selector) for a bad selector or descriptor, #NP (#SS for SS) if not present. */
static void task_load_seg(CPUX86State *env, int seg, uint16_t sel)
{
    unsigned cpl = env->segs[R_CS].selector & X86_SEL_RPL, rpl = sel & X86_SEL_RPL, dpl;
    X86Desc d;
    if (x86_sel_is_null(sel)) {
        if (seg == R_CS || seg == R_SS)
            fault(env, EXCP_TS, x86_sel_err(sel));
        x86_load_seg_cache(env, seg, sel, 0, 0, 0);
        return;
    }
    if (!x86_read_desc(env, sel, false, &d) || x86_desc_is_system(&d))
        fault(env, EXCP_TS, x86_sel_err(sel));
    dpl = x86_desc_dpl(&d);
    int not_present = EXCP_NP;
    if (seg == R_CS) {
        if (!x86_desc_is_code(&d) || (x86_desc_is_conforming(&d) ? dpl > rpl : dpl != rpl))
            fault(env, EXCP_TS, x86_sel_err(sel));
    } else if (seg == R_SS) {
        if (!x86_desc_is_writable_data(&d) || dpl != cpl || rpl != cpl)
            fault(env, EXCP_TS, x86_sel_err(sel));
        not_present = EXCP_SS;
    } else {
        bool exec_only = x86_desc_is_code(&d) && !(x86_desc_type(&d) & 2);
        if (exec_only || (!x86_desc_is_conforming(&d) && (dpl < cpl || dpl < rpl)))
            fault(env, EXCP_TS, x86_sel_err(sel));
    }
    if (!x86_desc_present(&d))
        fault(env, not_present, x86_sel_err(sel));
    x86_set_accessed(env, sel, &d);
    x86_load_seg_desc(env, seg, sel, &d);
}

/* CR3 of the new task (SDM 3A §7.3 step 13), loaded only with paging on as Bochs and
 * QEMU do (it is not used otherwise). Like MOV to CR3 it flushes the non-global TLB
 * entries and, with PAE paging, loads the PDPTEs (SDM 3A §4.4.1: #GP(0) if one is
 * invalid; here in the new task's context). */
static void task_load_cr3(CPUX86State *env, uint32_t cr3)
{
    if (!(env->cr[0] & CR0_PG))
        return;
    if ((env->cr[4] & CR4_PAE) && !(env->efer & EFER_LMA) && !x86_mmu_load_pdptes(env, cr3))
        fault(env, EXCP_GP, 0);
    env->cr[3] = cr3;
    x86_tlb_flush(env, false);
}

/* Loads the new task's registers after the commit point (SDM 3A §7.3 steps 12-13). */
static void task_load_state(CPUX86State *env, const TaskImage *t, bool tss32)
{
    x86_write_eflags(env, t->eflags, X86_EFLAGS_ALL);
    env->rip = t->eip;
    for (int i = 0; i < 8; i++) {
        if (tss32)
            env->regs[i] = t->regs[i];
        else
            env->regs[i] = (env->regs[i] & ~0xffffull) | t->regs[i];
    }
    if (t->eflags & VM_MASK) {
        for (int i = 0; i < 6; i++)
            x86_load_seg_v86(env, i, t->segs[i]);
        x86_set_restart_point(env);
        task_load_cr3(env, t->cr3);
        task_load_ldt(env, t->ldt);
        return;
    }
    /* The selectors are in place before any check, so that a fault is reported with
     * the new task's state (SDM 3A §7.3: faults after the commit point belong to the
     * new task). */
    for (int i = 0; i < 6; i++)
        x86_load_seg_cache(env, i, t->segs[i], 0, 0, 0);
    /* The CPL is SS.DPL (x86_cpu_update_hflags): until SS is checked, the new CS.RPL
     * (SDM 3A §7.3 step 13) stands in for it. */
    x86_load_seg_cache(env, R_SS, t->segs[R_SS], 0, 0,
                       (uint32_t)(t->segs[R_CS] & X86_SEL_RPL) << DESC_DPL_SHIFT);
    x86_set_restart_point(env);
    if (tss32)
        task_load_cr3(env, t->cr3);
    task_load_ldt(env, t->ldt);
    task_load_seg(env, R_CS, t->segs[R_CS]);
    x86_set_restart_point(env);
    task_load_seg(env, R_SS, t->segs[R_SS]);
    static const int data_segs[] = {R_ES, R_DS, R_FS, R_GS};
    for (int i = 0; i < 4; i++)
        task_load_seg(env, data_segs[i], t->segs[data_segs[i]]);
}

void x86_task_switch(CPUX86State *env, uint16_t selector, const X86Desc *d,
                     X86TaskSwitchSource source, uint64_t next_eip, bool push_error,
                     uint32_t error_code)
{
    bool tss32 = x86_desc_type(d) & 8;
    uint64_t base = x86_desc_base(d, false);
    uint32_t limit = x86_desc_limit(d);
    bool old32 = (env->tr.flags >> DESC_TYPE_SHIFT) & 8;
    TaskImage t;

    /* SDM 3A §7.3 steps 2-4 and Table 7-1: both TSSs must be large enough. */
    if (!x86_desc_present(d))
        fault(env, EXCP_NP, x86_sel_err(selector));
    if (limit < (tss32 ? TSS32_MIN_LIMIT : TSS16_MIN_LIMIT))
        fault(env, EXCP_TS, x86_sel_err(selector));
    if (env->tr.limit < (old32 ? TSS32_MIN_LIMIT : TSS16_MIN_LIMIT))
        fault(env, EXCP_TS, x86_sel_err((uint16_t)env->tr.selector));
    read_task_image(env, base, tss32, &t);

    /* Steps 7-11: busy flags, the saved state, NT and the back link. */
    uint32_t old_eflags = x86_read_eflags(env);
    if (source == X86_TS_JMP || source == X86_TS_IRET)
        set_tss_busy(env, (uint16_t)env->tr.selector, false);
    if (source == X86_TS_IRET)
        old_eflags &= ~NT_MASK;
    save_task_image(env, env->tr.base, old32, next_eip, old_eflags);
    if (source == X86_TS_CALL || source == X86_TS_INT) {
        t.eflags |= NT_MASK;
        x86_sys_st(env, base, env->tr.selector, 2);
    }
    if (source != X86_TS_IRET)
        set_tss_busy(env, selector, true);

    /* Commit point: TR and CR0.TS (step 12), then the new state (step 13). */
    env->tr.selector = selector;
    env->tr.base = base;
    env->tr.limit = limit;
    env->tr.flags = x86_desc_flags(d) | (2u << DESC_TYPE_SHIFT);
    env->cr[0] |= CR0_TS;
    /* SDM 3A §17.2.4: the local breakpoint enables are cleared on a task switch. */
    env->dr[7] &= ~0x55ull;
    x86_debug_update(env);
    task_load_state(env, &t, tss32);
    x86_cpu_update_hflags(env);
    x86_set_restart_point(env);

    if (env->rip > env->segs[R_CS].limit)
        fault(env, EXCP_GP, 0);
    if (push_error) {
        /* SDM 3A §6.12.2: the error code goes on the new task's stack. */
        X86Stack s = x86_stack_current(env);
        x86_stack_push(env, &s, error_code, tss32 ? 4 : 2);
        x86_stack_commit(env, &s);
    }
}

/* ---- event delivery ---- */

/* What is being delivered: the event class decides the gate privilege check, the EXT
 * bit of fault error codes and the double-fault rules. */
typedef enum EventKind {
    EV_EXCEPTION, /* a fault or trap detected by the processor */
    EV_SOFT,      /* INT n, INT3, INTO: rIP is past the instruction */
    EV_EXTERNAL,  /* INTR from the interrupt controller */
    EV_NMI,
} EventKind;

typedef struct X86Event {
    int vector;
    EventKind kind;
    uint32_t error_code;
    bool check_gate_dpl; /* INT n, INT3, INTO (SDM 3A §6.12.1.1); not INT1 */
    bool int_n;          /* the CD opcode: IOPL-sensitive in v8086 mode */
} X86Event;

/* SDM 3A §6.13: the EXT bit of an error code, set when the event being delivered was
 * not caused by the program (an external interrupt or an earlier exception). */
static uint32_t ext_bit(const X86Event *ev)
{
    return ev->kind == EV_SOFT ? 0 : 1;
}

/* SDM 3A §6.3.1 Table 6-1: the exceptions that push an error code. */
static bool vector_has_error_code(int vector)
{
    switch (vector) {
    case EXCP_DF:
    case EXCP_TS:
    case EXCP_NP:
    case EXCP_SS:
    case EXCP_GP:
    case EXCP_PF:
    case EXCP_AC:
    case 21: /* #CP */ return true;
    default: return false;
    }
}

static bool pushes_error_code(const CPUX86State *env, const X86Event *ev)
{
    return ev->kind == EV_EXCEPTION && (env->cr[0] & CR0_PE) && vector_has_error_code(ev->vector);
}

/* Clears the flags an interrupt or exception clears (SDM 3A §6.12.1.3): TF, NT, RF,
 * VM, and IF through an interrupt gate. */
static void enter_handler_flags(CPUX86State *env, bool interrupt_gate)
{
    uint64_t clear = TF_MASK | NT_MASK | RF_MASK | VM_MASK;
    if (interrupt_gate)
        clear |= IF_MASK;
    env->eflags &= ~clear;
    x86_cpu_update_hflags(env);
}

/* SDM 3A §20.1.4: real-address mode, through the IVT at IDTR.base + 4 * vector: push
 * FLAGS, CS, IP; clear IF, TF, AC; a vector beyond the IDTR limit is a #GP. */
static void deliver_real(CPUX86State *env, const X86Event *ev)
{
    uint64_t entry = (uint64_t)ev->vector * 4;
    if (entry + 3 > env->idt.limit)
        fault(env, EXCP_GP, (uint32_t)ev->vector * 8 + 2);
    uint32_t ivt = (uint32_t)x86_sys_ld(env, env->idt.base + entry, 4);
    X86Stack s = x86_stack_current(env);
    x86_stack_push(env, &s, (uint16_t)x86_read_eflags(env), 2);
    x86_stack_push(env, &s, (uint16_t)env->segs[R_CS].selector, 2);
    x86_stack_push(env, &s, (uint16_t)env->rip, 2);
    x86_stack_commit(env, &s);
    env->eflags &= ~(uint64_t)(IF_MASK | TF_MASK | AC_MASK | RF_MASK);
    env->segs[R_CS].selector = ivt >> 16;
    env->segs[R_CS].base = (uint64_t)(ivt >> 16) << 4;
    env->rip = ivt & 0xffff;
    x86_cpu_update_hflags(env);
}

/* The checks common to every IDT gate (SDM Vol 2A INT n, 3A §6.12.1.1): a gate of an
 * allowed type, the DPL check for software interrupts, present. Error code of an
 * IDT-related fault: vector * 8 + 2 (IDT bit) + EXT. */
static void check_idt_gate(CPUX86State *env, const X86Event *ev, const X86Desc *gate, bool type_ok)
{
    uint32_t idt_err = (uint32_t)ev->vector * 8 + 2;
    if (!type_ok || !x86_desc_is_system(gate))
        fault(env, EXCP_GP, idt_err | ext_bit(ev));
    if (ev->check_gate_dpl && x86_desc_dpl(gate) < cpl_of(env))
        fault(env, EXCP_GP, idt_err);
    if (!x86_desc_present(gate))
        fault(env, EXCP_NP, idt_err | ext_bit(ev));
}

/* The code segment an interrupt or trap gate names: present code with DPL <= CPL. */
static void fetch_handler_cs(CPUX86State *env, const X86Event *ev, uint16_t sel, X86Desc *cs)
{
    uint32_t ext = ext_bit(ev);
    if (x86_sel_is_null(sel))
        fault(env, EXCP_GP, ext);
    x86_fetch_desc(env, sel, false, cs, EXCP_GP, ext);
    if (!x86_desc_is_code(cs) || x86_desc_dpl(cs) > cpl_of(env))
        fault(env, EXCP_GP, x86_sel_err(sel) | ext);
    if ((env->hflags & HF_LMA) && !x86_desc_is_code64(env, cs))
        fault(env, EXCP_GP, x86_sel_err(sel) | ext);
    if (!x86_desc_present(cs))
        fault(env, EXCP_NP, x86_sel_err(sel) | ext);
}

/* A task gate in the IDT (SDM Vol 2A INT n "TASK-GATE"): the TSS must be an available
 * TSS in the GDT; the error code, if any, goes on the new task's stack. */
static void deliver_task_gate(CPUX86State *env, const X86Event *ev, const X86Desc *gate)
{
    uint16_t sel = (uint16_t)(gate->lo >> 16);
    uint32_t ext = ext_bit(ev);
    X86Desc tss;
    if (sel & X86_SEL_TI)
        fault(env, EXCP_GP, x86_sel_err(sel) | ext);
    x86_fetch_desc(env, sel, false, &tss, EXCP_GP, ext);
    unsigned type = x86_desc_type(&tss);
    if (!x86_desc_is_system(&tss) || (type != 1 && type != 9))
        fault(env, EXCP_GP, x86_sel_err(sel) | ext);
    if (!x86_desc_present(&tss))
        fault(env, EXCP_NP, x86_sel_err(sel) | ext);
    x86_task_switch(env, sel, &tss, X86_TS_INT, env->rip, pushes_error_code(env, ev),
                    ev->error_code);
}

/* Protected mode (and v8086 mode) through 8-byte IDT gates (SDM Vol 2A INT n, 3A
 * §6.12.1, §20.3.1.1 for interrupts out of v8086 mode). */
static void deliver_protected(CPUX86State *env, const X86Event *ev)
{
    unsigned cpl = cpl_of(env);
    uint32_t ext = ext_bit(ev);
    bool v86 = (env->eflags & VM_MASK) != 0;
    X86Desc gate, cs, ssd;

    /* SDM 3A §20.4 (Table 20-2): with CR4.VME, INT n whose redirection bit is clear
     * goes to the 8086 handler; otherwise it is IOPL-sensitive in v8086 mode. */
    if (v86 && ev->int_n && x86_vme_redirect_int(env, ev->vector))
        return;
    if (v86 && ev->int_n && (env->eflags & IOPL_MASK) != IOPL_MASK)
        fault(env, EXCP_GP, 0);
    uint64_t entry = (uint64_t)ev->vector * 8;
    if (entry + 7 > env->idt.limit)
        fault(env, EXCP_GP, (uint32_t)entry + 2 + ext);
    gate.lo = (uint32_t)x86_sys_ld(env, env->idt.base + entry, 4);
    gate.hi = (uint32_t)x86_sys_ld(env, env->idt.base + entry + 4, 4);
    gate.hi64 = 0;
    unsigned type = x86_desc_type(&gate);
    check_idt_gate(env, ev, &gate, type == 5 || type == 6 || type == 7 || type == 14 || type == 15);
    if (type == 5) {
        deliver_task_gate(env, ev, &gate);
        return;
    }
    uint16_t sel = (uint16_t)(gate.lo >> 16);
    bool gate32 = type & 8;
    uint64_t offset = (gate.lo & 0xffffu) | (gate32 ? (gate.hi & 0xffff0000u) : 0);
    fetch_handler_cs(env, ev, sel, &cs);
    unsigned dpl = x86_desc_dpl(&cs);
    bool inner = !x86_desc_is_conforming(&cs) && dpl < cpl;
    if (v86 && (!inner || dpl != 0))
        fault(env, EXCP_GP, x86_sel_err(sel) | ext);
    unsigned new_cpl = inner ? dpl : cpl;
    if (offset > x86_desc_limit(&cs))
        fault(env, EXCP_GP, ext);

    X86Stack s = x86_stack_current(env);
    uint16_t ss = (uint16_t)env->segs[R_SS].selector;
    if (inner) {
        uint64_t esp;
        x86_tss_inner_stack(env, dpl, ext, &ss, &esp);
        x86_check_inner_ss(env, ss, dpl, ext, &ssd);
        s = x86_stack_new(env, x86_desc_base(&ssd, false), esp, x86_stack_mask(false, ssd.hi), dpl);
    }
    unsigned size = gate32 ? 4 : 2;
    if (v86) {
        x86_stack_push(env, &s, env->segs[R_GS].selector, size);
        x86_stack_push(env, &s, env->segs[R_FS].selector, size);
        x86_stack_push(env, &s, env->segs[R_DS].selector, size);
        x86_stack_push(env, &s, env->segs[R_ES].selector, size);
    }
    if (inner) {
        x86_stack_push(env, &s, env->segs[R_SS].selector, size);
        x86_stack_push(env, &s, env->regs[R_ESP], size);
    }
    x86_stack_push(env, &s, x86_read_eflags(env), size);
    x86_stack_push(env, &s, env->segs[R_CS].selector, size);
    x86_stack_push(env, &s, env->rip, size);
    if (pushes_error_code(env, ev))
        x86_stack_push(env, &s, ev->error_code, size);

    x86_set_accessed(env, sel, &cs);
    if (inner)
        x86_set_accessed(env, ss, &ssd);
    if (v86) {
        /* SDM 3A §20.3.1.1: the handler starts with null data segment registers. */
        for (int seg = R_ES; seg <= R_GS; seg++)
            if (seg != R_CS && seg != R_SS)
                x86_load_seg_cache(env, seg, 0, 0, 0, 0);
    }
    enter_handler_flags(env, !(type & 1));
    if (inner)
        x86_load_seg_desc(env, R_SS, ss, &ssd);
    x86_stack_commit(env, &s);
    x86_load_seg_desc(env, R_CS, (uint16_t)((sel & ~X86_SEL_RPL) | new_cpl), &cs);
    env->rip = offset;
}

/* IA-32e mode through 16-byte IDT gates (SDM 3A §6.14): 64-bit handlers only, the
 * stack from the TSS on a privilege change or from the IST, aligned to 16 bytes, and
 * SS:RSP always pushed. */
static void deliver_long(CPUX86State *env, const X86Event *ev)
{
    unsigned cpl = cpl_of(env);
    uint32_t ext = ext_bit(ev);
    X86Desc gate, cs;

    uint64_t entry = (uint64_t)ev->vector * 16;
    if (entry + 15 > env->idt.limit)
        fault(env, EXCP_GP, (uint32_t)ev->vector * 8 + 2 + ext);
    gate.lo = (uint32_t)x86_sys_ld(env, env->idt.base + entry, 4);
    gate.hi = (uint32_t)x86_sys_ld(env, env->idt.base + entry + 4, 4);
    gate.hi64 = x86_sys_ld(env, env->idt.base + entry + 8, 8);
    unsigned type = x86_desc_type(&gate);
    check_idt_gate(env, ev, &gate, type == 14 || type == 15);
    uint16_t sel = (uint16_t)(gate.lo >> 16);
    uint64_t offset =
        (gate.lo & 0xffffu) | (gate.hi & 0xffff0000u) | ((gate.hi64 & 0xffffffffu) << 32);
    unsigned ist = gate.hi & 7;
    fetch_handler_cs(env, ev, sel, &cs);
    unsigned dpl = x86_desc_dpl(&cs);
    unsigned new_cpl = (!x86_desc_is_conforming(&cs) && dpl < cpl) ? dpl : cpl;
    if ((uint64_t)((int64_t)(offset << 16) >> 16) != offset)
        fault(env, EXCP_GP, ext);

    uint64_t rsp = env->regs[R_ESP];
    if (ist)
        rsp = x86_tss64_stack(env, ist + 3, ext);
    else if (new_cpl != cpl)
        rsp = x86_tss64_stack(env, new_cpl, ext);
    X86Stack s = x86_stack_new(env, 0, rsp & ~0xfull, ~0ull, new_cpl);
    x86_stack_push(env, &s, env->segs[R_SS].selector, 8);
    x86_stack_push(env, &s, env->regs[R_ESP], 8);
    x86_stack_push(env, &s, x86_read_eflags(env), 8);
    x86_stack_push(env, &s, env->segs[R_CS].selector, 8);
    x86_stack_push(env, &s, env->rip, 8);
    if (pushes_error_code(env, ev))
        x86_stack_push(env, &s, ev->error_code, 8);

    x86_set_accessed(env, sel, &cs);
    enter_handler_flags(env, type == 14);
    if (new_cpl != cpl) {
        /* SDM 3A §6.14.4: on a privilege change SS becomes a null selector with
         * RPL = the new CPL. */
        x86_load_seg_cache(env, R_SS, (uint16_t)new_cpl, 0, 0, new_cpl << DESC_DPL_SHIFT);
    }
    x86_stack_commit(env, &s);
    x86_load_seg_desc(env, R_CS, (uint16_t)((sel & ~X86_SEL_RPL) | new_cpl), &cs);
    env->rip = offset;
}

static void deliver(CPUX86State *env, const X86Event *ev)
{
    if (!(env->cr[0] & CR0_PE))
        deliver_real(env, ev);
    else if (env->hflags & HF_LMA)
        deliver_long(env, ev);
    else
        deliver_protected(env, ev);
}

/* Runs deliver() with the faults it raises caught here instead of in the vCPU loop.
 * Returns false, with exception_index and error_code describing the fault, if one
 * was raised. */
static bool try_deliver(CPUX86State *env, const X86Event *ev)
{
    X86CPU *cpu = env_cpu(env);
    sigjmp_buf outer;
    bool delivered;
    memcpy(outer, cpu->jmp_env, sizeof(outer));
    if (sigsetjmp(cpu->jmp_env, 0) == 0) {
        deliver(env, ev);
        delivered = true;
    } else {
        delivered = false;
    }
    memcpy(cpu->jmp_env, outer, sizeof(outer));
    return delivered;
}

/* SDM 3A §6.15 "Interrupt 8", Table 6-4: exception classes for the double-fault rule.
 * Software interrupts, external interrupts and NMIs are benign. */
typedef enum FaultClass { CLASS_BENIGN, CLASS_CONTRIBUTORY, CLASS_PAGE_FAULT } FaultClass;

static FaultClass fault_class(const X86Event *ev)
{
    if (ev->kind != EV_EXCEPTION)
        return CLASS_BENIGN;
    switch (ev->vector) {
    case EXCP_DE:
    case EXCP_TS:
    case EXCP_NP:
    case EXCP_SS:
    case EXCP_GP: return CLASS_CONTRIBUTORY;
    case EXCP_PF: return CLASS_PAGE_FAULT;
    default: return CLASS_BENIGN;
    }
}

/* SDM 3A §6.15 Table 6-5: a contributory fault while delivering a contributory one,
 * or a contributory fault or #PF while delivering a #PF, is a double fault; any other
 * pair is handled serially. */
static bool is_double_fault(const X86Event *first, const X86Event *second)
{
    FaultClass a = fault_class(first), b = fault_class(second);
    if (a == CLASS_CONTRIBUTORY)
        return b == CLASS_CONTRIBUTORY;
    if (a == CLASS_PAGE_FAULT)
        return b != CLASS_BENIGN;
    return false;
}

/* Delivers ev, then whatever its delivery raises, by the double-fault rules, until one
 * event is delivered or the CPU shuts down (exception_index = EXCP_SHUTDOWN). */
static void deliver_event(CPUX86State *env, X86Event ev)
{
    X86CPU *cpu = env_cpu(env);
    const Log *log = &cpu->machine->log;
    /* Each round either delivers, or moves to a fault; a chain that keeps faulting
     * ends in #DF and then shutdown, the bound only guards against a loop. */
    for (int round = 0; round < 16; round++) {
        if (try_deliver(env, &ev)) {
            env->exception_index = -1;
            return;
        }
        X86Event next = {.vector = env->exception_index,
                         .kind = EV_EXCEPTION,
                         .error_code = (uint32_t)env->error_code};
        log_printf(log, LOG_INT, "cpu%d: exception %d (err=%#x) while delivering vector %d\n",
                   cpu->index, next.vector, next.error_code, ev.vector);
        if (next.vector >= 256)
            return; /* shutdown already */
        /* A fault while delivering a software interrupt belongs to the INT
         * instruction (after a committed task switch: to the new task's state). */
        if (ev.kind == EV_SOFT)
            x86_restore_state(env, cpu->exec.insn_data);
        if (ev.kind == EV_EXCEPTION && ev.vector == EXCP_DF)
            break;
        if (is_double_fault(&ev, &next)) {
            next.vector = EXCP_DF;
            next.error_code = 0;
        }
        ev = next;
    }
    /* SDM 3A §6.15 "Interrupt 8": a fault while delivering #DF shuts the CPU down. */
    env->exception_index = EXCP_SHUTDOWN;
}

/* The software-interrupt instruction that raised vector (its opcode decides the DPL
 * check and the v8086 IOPL check: INT n, INT3, INTO check the gate's DPL, INT1 does
 * not; only INT n is IOPL-sensitive). */
static void classify_soft_interrupt(CPUX86State *env, X86Event *ev)
{
    X86Insn insn;
    unsigned op = x86_decode_current_insn(env, &insn) ? insn.op : X86_OP_INT;
    ev->check_gate_dpl = op != X86_OP_INT1;
    ev->int_n = op == X86_OP_INT;
    if (op == X86_OP_INT1) {
        /* SDM Vol 2A INT1: delivered like a hardware-generated debug exception. */
        ev->kind = EV_EXCEPTION;
    }
}

/* Fault-class exceptions (SDM 3A Table 6-1); #DB is left out: only its
 * instruction-breakpoint form is a fault, and that one must not set RF. */
static bool is_fault_vector(int vector)
{
    switch (vector) {
    case EXCP_DE:
    case EXCP_BR:
    case EXCP_UD:
    case EXCP_NM:
    case EXCP_TS:
    case EXCP_NP:
    case EXCP_SS:
    case EXCP_GP:
    case EXCP_PF:
    case EXCP_MF:
    case EXCP_AC:
    case EXCP_XM: return true;
    default: return false;
    }
}

void x86_do_interrupt(CPUX86State *env)
{
    X86CPU *cpu = env_cpu(env);
    /* SDM 3A §18.3.1.1: for every fault except an instruction breakpoint, RF is set in
     * the EFLAGS image saved on the stack, so that returning to the faulting
     * instruction does not hit its breakpoint again. Delivery clears RF for the
     * handler itself. */
    if (!env->exception_soft && is_fault_vector(env->exception_index))
        env->eflags |= RF_MASK;
    X86Event ev = {.vector = env->exception_index,
                   .kind = env->exception_soft ? EV_SOFT : EV_EXCEPTION,
                   .error_code = (uint32_t)env->error_code};
    if (ev.kind == EV_SOFT)
        classify_soft_interrupt(env, &ev);
    log_printf(&cpu->machine->log, LOG_INT, "cpu%d: %s %d (0x%02x) at %04x:%08llx err=%d\n",
               cpu->index, env->exception_soft ? "int" : "exception", ev.vector, ev.vector,
               env->segs[R_CS].selector, (unsigned long long)env->rip, env->error_code);
    deliver_event(env, ev);
}

bool x86_cpu_take_interrupt(X86CPU *cpu, int vector)
{
    CPUX86State *env = &cpu->env;
    if (!(env->eflags & IF_MASK) || env->inhibit_irq)
        return false;
    X86Event ev = {.vector = vector & 0xff, .kind = EV_EXTERNAL};
    log_printf(&cpu->machine->log, LOG_INT, "cpu%d: interrupt %d (0x%02x) at %04x:%08llx\n",
               cpu->index, ev.vector, ev.vector, env->segs[R_CS].selector,
               (unsigned long long)env->rip);
    env->halted = false;
    deliver_event(env, ev);
    return true;
}

bool x86_cpu_take_nmi(X86CPU *cpu)
{
    CPUX86State *env = &cpu->env;
    if (env->nmi_blocked)
        return false;
    X86Event ev = {.vector = EXCP_NMI, .kind = EV_NMI};
    log_printf(&cpu->machine->log, LOG_INT, "cpu%d: NMI at %04x:%08llx\n", cpu->index,
               env->segs[R_CS].selector, (unsigned long long)env->rip);
    env->halted = false;
    env->nmi_blocked = true;
    deliver_event(env, ev);
    return true;
}
