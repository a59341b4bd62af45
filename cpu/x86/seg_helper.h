/* Protected-mode and long-mode segmentation (SDM Vol 3A chapters 3 and 5), far
 * control transfers, task switching (chapter 7), the I/O permission bitmap (Vol 1
 * §19.5) and the acceptance of external interrupts (chapter 6).
 *
 * Everything here raises guest exceptions with x86_raise_exception_err, so it must
 * run where cpu->jmp_env is valid: inside a helper called from translated code, or
 * inside x86_do_interrupt (which catches faults itself).
 */
#ifndef PACIFICA_CPU_X86_SEG_HELPER_H
#define PACIFICA_CPU_X86_SEG_HELPER_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/x86/cpu.h"

struct X86Insn;

/* A descriptor-table entry as its two little-endian dwords (SDM 3A §3.4.5, Figure
 * 3-8): lo = limit[15:0] | base[15:0] << 16; hi = base[23:16] | type/S/DPL/P |
 * limit[19:16] | AVL/L/D/G | base[31:24]. System descriptors in IA-32e mode (LDT,
 * TSS, call and interrupt gates) are 16 bytes: hi64 holds the upper 8 bytes. */
typedef struct X86Desc {
    uint32_t lo, hi;
    uint64_t hi64;
} X86Desc;

/* Descriptor fields. */
static inline unsigned x86_desc_type(const X86Desc *d)
{
    return (d->hi >> 8) & 0xf;
}

static inline unsigned x86_desc_dpl(const X86Desc *d)
{
    return (d->hi >> 13) & 3;
}

static inline bool x86_desc_is_system(const X86Desc *d)
{
    return !(d->hi & DESC_S_MASK);
}

static inline bool x86_desc_present(const X86Desc *d)
{
    return (d->hi & DESC_P_MASK) != 0;
}

/* Base (with bits 63:32 of 16-byte system descriptors when wide) and byte-granular
 * limit (SDM 3A §3.4.5: with G set the limit is in 4 KiB units, low 12 bits ones). */
uint64_t x86_desc_base(const X86Desc *d, bool wide);
uint32_t x86_desc_limit(const X86Desc *d);

/* Selector fields (SDM 3A §3.4.2). */
#define X86_SEL_RPL   3u
#define X86_SEL_TI    4u
#define X86_SEL_INDEX 0xfff8u

/* Reads the descriptor of selector from the GDT or LDT (TI), 8 bytes, or 16 when
 * wide. Returns false, without faulting, when the entry is outside the table's limit
 * (the caller raises the fault its instruction defines, or sets ZF for LAR/LSL/VERR/
 * VERW). Table memory is read as an implicit supervisor access and may raise #PF. */
bool x86_read_desc(CPUX86State *env, uint16_t selector, bool wide, X86Desc *d);

/* Loads a segment register's hidden part and, for CS and SS, recomputes hflags. */
void x86_load_seg_cache(CPUX86State *env, int seg, uint16_t selector, uint64_t base, uint32_t limit,
                        uint32_t flags);

/* MOV/POP to a data segment register or SS, LDS & co: every mode's rules (real and
 * v8086: base = selector * 16; protected: the checks of SDM Vol 2B MOV and 3A §5.5,
 * faulting #GP/#SS/#NP with the selector as error code). */
void x86_load_seg(CPUX86State *env, int seg, uint16_t selector);

/* LLDT and LTR (SDM Vol 2A LLDT, LTR): the table checks, #GP(sel)/#NP(sel), 16-byte
 * descriptors in IA-32e mode; LTR marks the TSS busy. The CPL-0 and mode checks are the
 * caller's. */
void x86_load_ldt(CPUX86State *env, uint16_t selector);
void x86_load_tr(CPUX86State *env, uint16_t selector);

/* Why a task switch happens: which of busy/NT/back link it updates (SDM 3A §7.3,
 * Table 7-2). */
typedef enum X86TaskSwitchSource {
    X86_TS_JMP,
    X86_TS_CALL, /* CALL, and interrupts/exceptions through a task gate */
    X86_TS_IRET,
    X86_TS_INT,
} X86TaskSwitchSource;

/* Switches to the task whose TSS descriptor (already fetched, from the GDT) is d:
 * saves the current state in the current TSS with next_eip as its EIP, loads the new
 * one. An exception event with an error code pushes it on the new task's stack
 * (push_error, error_code). */
void x86_task_switch(CPUX86State *env, uint16_t selector, const X86Desc *d,
                     X86TaskSwitchSource source, uint64_t next_eip, bool push_error,
                     uint32_t error_code);

/* SDM Vol 1 §19.5: IN/OUT/INS/OUTS permission. In protected mode with CPL > IOPL, or
 * in virtual-8086 mode, every bit of the I/O permission bitmap of the 32-bit TSS for
 * ports [port, port + size) must be clear, else #GP(0). */
void x86_check_io(CPUX86State *env, uint16_t port, unsigned size);

/* Accepts an external (maskable) interrupt with the given vector: when EFLAGS.IF = 1
 * and no STI/MOV SS shadow is active, delivers it as an external event (SDM 3A §6.8.1)
 * and wakes the CPU from HLT. Returns whether it was taken. Call between instructions
 * (the vCPU loop, outside translated code) when interrupt_request has
 * CPU_INTERRUPT_HARD. */
bool x86_cpu_take_interrupt(X86CPU *cpu, int vector);

/* Accepts an NMI unless one is being handled (SDM 3A §6.7.1: blocked from delivery
 * until the next IRET). Returns whether it was delivered. */
bool x86_cpu_take_nmi(X86CPU *cpu);

/* ---- Shared by seg_helper.c and excp.c (task switches, interrupt delivery) ---- */

/* Every EFLAGS bit software can hold (SDM Vol 1 §3.4.3). */
#define X86_EFLAGS_ALL                                                                             \
    (CC_MASK | TF_MASK | IF_MASK | DF_MASK | IOPL_MASK | NT_MASK | RF_MASK | VM_MASK | AC_MASK |   \
     VIF_MASK | VIP_MASK | ID_MASK)

static inline bool x86_sel_is_null(uint16_t sel)
{
    return (sel & ~X86_SEL_RPL) == 0;
}

/* The error code naming a selector (SDM 3A §6.13: index and TI, EXT/IDT bits 0). */
static inline uint32_t x86_sel_err(uint16_t sel)
{
    return sel & 0xfffcu;
}

static inline bool x86_desc_is_code(const X86Desc *d)
{
    return !x86_desc_is_system(d) && (x86_desc_type(d) & 8);
}

static inline bool x86_desc_is_conforming(const X86Desc *d)
{
    return x86_desc_is_code(d) && (x86_desc_type(d) & 4);
}

static inline bool x86_desc_is_writable_data(const X86Desc *d)
{
    return !x86_desc_is_system(d) && (x86_desc_type(d) & 0xa) == 2;
}

/* A 64-bit code segment: L = 1, D = 0, in IA-32e mode (SDM 3A §5.2.1). */
static inline bool x86_desc_is_code64(const CPUX86State *env, const X86Desc *d)
{
    return (env->hflags & HF_LMA) && (d->hi & DESC_L_MASK) && !(d->hi & DESC_B_MASK);
}

/* SegmentCache.flags of a descriptor. */
static inline uint32_t x86_desc_flags(const X86Desc *d)
{
    return d->hi & 0x00f0ff00u;
}

/* Fetches sel's descriptor or raises vector with error code selector | ext. */
void x86_fetch_desc(CPUX86State *env, uint16_t sel, bool wide, X86Desc *d, int vector,
                    uint32_t ext);
/* Writes a descriptor's high dword back (accessed and busy bits). */
void x86_write_desc_hi(CPUX86State *env, uint16_t sel, uint32_t hi);
/* SDM 3A §3.4.5.1: sets the accessed bit when a segment register is loaded. */
void x86_set_accessed(CPUX86State *env, uint16_t sel, X86Desc *d);
/* Loads seg from a (checked) descriptor. */
void x86_load_seg_desc(CPUX86State *env, int seg, uint16_t sel, const X86Desc *d);
/* Loads seg as virtual-8086 mode does (base = selector * 16, 64 KiB, DPL 3). */
void x86_load_seg_v86(CPUX86State *env, int seg, uint16_t sel);

/* A stack pushed or popped by a control transfer or an interrupt: rSP is committed
 * (x86_stack_commit) only once every access has succeeded. */
typedef struct X86Stack {
    uint64_t base;
    uint64_t rsp;     /* the full register value */
    uint64_t mask;    /* 0xffff, 0xffffffff or ~0: the stack-address size */
    unsigned mmu_idx; /* X86_MMU_* of the accesses: the stack's CPL */
} X86Stack;

/* The stack-address mask of an SS (its B bit), or 64-bit. */
uint64_t x86_stack_mask(bool is64, uint32_t ss_flags);
X86Stack x86_stack_current(const CPUX86State *env);
/* A new stack (after a privilege change) accessed with the privilege of cpl. */
X86Stack x86_stack_new(const CPUX86State *env, uint64_t base, uint64_t rsp, uint64_t mask,
                       unsigned cpl);
void x86_stack_push(CPUX86State *env, X86Stack *s, uint64_t val, unsigned size);
uint64_t x86_stack_pop(CPUX86State *env, X86Stack *s, unsigned size);
void x86_stack_commit(CPUX86State *env, const X86Stack *s);

/* The inner stack for privilege dpl from a 16- or 32-bit TSS (#TS(TR) | ext beyond
 * its limit), and the checks of its SS (#TS(SS) | ext, #SS(SS) | ext if not present). */
void x86_tss_inner_stack(CPUX86State *env, unsigned dpl, uint32_t ext, uint16_t *ss, uint64_t *esp);
void x86_check_inner_ss(CPUX86State *env, uint16_t ss, unsigned dpl, uint32_t ext, X86Desc *d);
/* The 64-bit TSS's RSPn (rsp_or_ist = n) or ISTn (n + 3, i.e. offset 4 + 8 * index). */
uint64_t x86_tss64_stack(CPUX86State *env, unsigned index, uint32_t ext);

/* The I/O map base of the current TSS (SDM Vol 1 §19.5.2: the word at TSS + 66h);
 * false if TR is not a present 32-bit (or 64-bit) TSS of at least 68h bytes, which
 * has no I/O permission or interrupt redirection bitmap. */
bool x86_tss_io_map_base(CPUX86State *env, uint32_t *base);

/* Implicit supervisor accesses to system structures (descriptor tables, IDT, TSS):
 * they raise #PF like ordinary accesses. */
uint64_t x86_sys_ld(CPUX86State *env, uint64_t linear, unsigned size);
void x86_sys_st(CPUX86State *env, uint64_t linear, uint64_t val, unsigned size);

/* The rIP of the instruction the current helper runs for (from its insn_start), and
 * of the instruction after it (decoded again: far JMP and IRET through a task switch
 * save it in the old TSS). */
uint64_t x86_current_insn_eip(CPUX86State *env);
/* Decodes that instruction again (false if it cannot be fetched or decoded). */
bool x86_decode_current_insn(CPUX86State *env, struct X86Insn *insn);
uint64_t x86_current_insn_next_eip(CPUX86State *env);

/* Makes the current CS:rIP the state a fault restores (the insn_start data): after a
 * task switch has committed to the new task, a fault belongs to the new task's
 * CS:EIP, not to the instruction that switched. */
void x86_set_restart_point(CPUX86State *env);

#endif
