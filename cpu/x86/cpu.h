/* The x86 guest CPU: architectural state and the interface the accelerators use. */
#ifndef PACIFICA_CPU_X86_CPU_H
#define PACIFICA_CPU_X86_CPU_H

#include <setjmp.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "cpu/x86/tlb.h"
#include "system/log.h"
#include "system/memory.h"
#include "tcg/tb.h"

enum { R_EAX, R_ECX, R_EDX, R_EBX, R_ESP, R_EBP, R_ESI, R_EDI };
enum { R_ES, R_CS, R_SS, R_DS, R_FS, R_GS };

/* EFLAGS (SDM Vol 1 §3.4.3) */
#define CC_C         0x0001u
#define CC_P         0x0004u
#define CC_A         0x0010u
#define CC_Z         0x0040u
#define CC_S         0x0080u
#define CC_O         0x0800u
#define CC_MASK      (CC_C | CC_P | CC_A | CC_Z | CC_S | CC_O)
#define TF_MASK      0x0100u
#define IF_MASK      0x0200u
#define DF_MASK      0x0400u
#define IOPL_MASK    0x3000u
#define NT_MASK      0x4000u
#define RF_MASK      0x10000u
#define VM_MASK      0x20000u
#define AC_MASK      0x40000u
#define VIF_MASK     0x80000u
#define VIP_MASK     0x100000u
#define ID_MASK      0x200000u
#define EFLAGS_FIXED 0x0002u /* bit 1 always reads as 1 */

/* CR0 */
#define CR0_PE 0x00000001u
#define CR0_MP 0x00000002u
#define CR0_EM 0x00000004u
#define CR0_TS 0x00000008u
#define CR0_ET 0x00000010u
#define CR0_NE 0x00000020u
#define CR0_WP 0x00010000u
#define CR0_AM 0x00040000u
#define CR0_NW 0x20000000u
#define CR0_CD 0x40000000u
#define CR0_PG 0x80000000u

/* Exception vectors (SDM Vol 3A §6.3.1) */
enum {
    EXCP_DE = 0,
    EXCP_DB = 1,
    EXCP_NMI = 2,
    EXCP_BP = 3,
    EXCP_OF = 4,
    EXCP_BR = 5,
    EXCP_UD = 6,
    EXCP_NM = 7,
    EXCP_DF = 8,
    EXCP_TS = 10,
    EXCP_NP = 11,
    EXCP_SS = 12,
    EXCP_GP = 13,
    EXCP_PF = 14,
    EXCP_MF = 16,
    EXCP_AC = 17,
    EXCP_MC = 18,
    EXCP_XM = 19,
};

/* Lazy arithmetic flags: the last flag-setting operation and its operands; the flags
 * are computed from them only when read (cpu/x86/cc_helper.c). Sized variants are in
 * the order B, W, L, Q so that op + size_shift gives the variant. */
typedef enum CCOp {
    CC_OP_EFLAGS, /* cc_src holds the arithmetic flags */
    CC_OP_ADDB,
    CC_OP_ADDW,
    CC_OP_ADDL,
    CC_OP_ADDQ, /* dst = result, src = operand 2 */
    CC_OP_ADCB,
    CC_OP_ADCW,
    CC_OP_ADCL,
    CC_OP_ADCQ, /* ... src2 = carry in */
    CC_OP_SUBB,
    CC_OP_SUBW,
    CC_OP_SUBL,
    CC_OP_SUBQ, /* dst = result, src = operand 2 */
    CC_OP_SBBB,
    CC_OP_SBBW,
    CC_OP_SBBL,
    CC_OP_SBBQ, /* ... src2 = borrow in */
    CC_OP_LOGICB,
    CC_OP_LOGICW,
    CC_OP_LOGICL,
    CC_OP_LOGICQ, /* dst = result */
    CC_OP_INCB,
    CC_OP_INCW,
    CC_OP_INCL,
    CC_OP_INCQ, /* dst = result, src = old CF */
    CC_OP_DECB,
    CC_OP_DECW,
    CC_OP_DECL,
    CC_OP_DECQ,
    CC_OP_SHLB,
    CC_OP_SHLW,
    CC_OP_SHLL,
    CC_OP_SHLQ, /* dst = result, src = value << (n-1) */
    CC_OP_SARB,
    CC_OP_SARW,
    CC_OP_SARL,
    CC_OP_SARQ, /* dst = result, src = value >> (n-1) */
    CC_OP_MULB,
    CC_OP_MULW,
    CC_OP_MULL,
    CC_OP_MULQ, /* dst = low result, src = nonzero if
                   the high part is significant */
    NB_CC_OPS
} CCOp;

typedef struct SegmentCache {
    uint32_t selector;
    uint32_t flags; /* descriptor bits 8-23 of the high dword, in place (type, S, DPL, P,
                       AVL, L, D/B, G) */
    uint64_t base;
    uint32_t limit;
} SegmentCache;

/* Segment descriptor flag bits as kept in SegmentCache.flags (SDM 3A §3.4.5) */
#define DESC_TYPE_SHIFT 8
#define DESC_S_MASK     (1u << 12)
#define DESC_DPL_SHIFT  13
#define DESC_P_MASK     (1u << 15)
#define DESC_L_MASK     (1u << 21)
#define DESC_B_MASK     (1u << 22)
#define DESC_G_MASK     (1u << 23)
#define DESC_A_MASK     (1u << 8) /* accessed */
#define DESC_W_MASK     (1u << 9) /* data: writable */
#define DESC_R_MASK     (1u << 9) /* code: readable */
#define DESC_CS_MASK    (1u << 11)

/* hflags: the mode bits translated code depends on (part of the TB key). */
#define HF_CPL_MASK 0x0003u
#define HF_CS32     0x0004u  /* CS.D */
#define HF_SS32     0x0008u  /* SS.B */
#define HF_CS64     0x0010u  /* 64-bit code segment in long mode */
#define HF_PE       0x0020u  /* CR0.PE */
#define HF_VM       0x0040u  /* EFLAGS.VM */
#define HF_LMA      0x0080u  /* EFER.LMA */
#define HF_OSFXSR   0x0100u  /* CR4.OSFXSR: SSE enabled */
#define HF_EM       0x0200u  /* CR0.EM */
#define HF_TS       0x0400u  /* CR0.TS */
#define HF_MP       0x0800u  /* CR0.MP */
#define HF_SMAP_AC  0x1000u  /* CR4.SMAP set and EFLAGS.AC clear: supervisor user-access faults */
#define HF_PG       0x2000u  /* CR0.PG */
#define HF_TF       0x4000u  /* EFLAGS.TF: single-step trap after each instruction */
#define HF_OSXSAVE  0x8000u  /* CR4.OSXSAVE: AVX/XGETBV usable (with XCR0 bits) */
#define HF_AVX_EN   0x10000u /* XCR0 enables SSE and AVX state: VEX instructions usable */
/* Key bits that x86_get_tb_key (translate.c) adds to hflags for the translation key;
 * never set in env->hflags itself. */
#define HF_AC_CHECK 0x20000u  /* CPL 3 with CR0.AM and EFLAGS.AC: alignment checks (#AC) */
#define HF_DBG_INSN 0x40000u  /* DR7 enables an instruction breakpoint */
#define HF_DBG_DATA 0x80000u  /* DR7 enables a data breakpoint */
#define HF_INHIBIT  0x100000u /* env->inhibit_irq: the first instruction is in a shadow */

/* CR4 (SDM 3A §2.5) */
#define CR4_VME        (1u << 0)
#define CR4_PVI        (1u << 1)
#define CR4_TSD        (1u << 2)
#define CR4_DE         (1u << 3)
#define CR4_PSE        (1u << 4)
#define CR4_PAE        (1u << 5)
#define CR4_MCE        (1u << 6)
#define CR4_PGE        (1u << 7)
#define CR4_PCE        (1u << 8)
#define CR4_OSFXSR     (1u << 9)
#define CR4_OSXMMEXCPT (1u << 10)
#define CR4_UMIP       (1u << 11)
#define CR4_FSGSBASE   (1u << 16)
#define CR4_PCIDE      (1u << 17)
#define CR4_OSXSAVE    (1u << 18)
#define CR4_SMEP       (1u << 20)
#define CR4_SMAP       (1u << 21)

/* EFER (SDM 3A §2.2.1) */
#define EFER_SCE (1u << 0)
#define EFER_LME (1u << 8)
#define EFER_LMA (1u << 10)
#define EFER_NXE (1u << 11)

/* Pending-event bits in X86CPU.interrupt_request (set from any thread). */
#define CPU_INTERRUPT_HARD 0x01 /* maskable interrupt from the PIC/APIC */
#define CPU_INTERRUPT_NMI  0x02
#define CPU_INTERRUPT_INIT 0x04
#define CPU_INTERRUPT_SIPI 0x08
#define CPU_INTERRUPT_SMI  0x10

/* MMU indexes: which permission view a guest access uses (TLB per index). */
enum {
    X86_MMU_KERNEL = 0,        /* CPL 0-2, SMAP enforced when HF_SMAP_AC */
    X86_MMU_USER = 1,          /* CPL 3 */
    X86_MMU_KERNEL_NOSMAP = 2, /* implicit supervisor accesses and SMAP off */
    X86_MMU_PHYS = 3,          /* paging off */
    X86_MMU_COUNT
};

/* The x87 register stack: 80-bit extended-precision values (SDM Vol 1 §8.1). */
typedef struct X87Reg {
    uint64_t mant; /* significand with the explicit integer bit 63 */
    uint16_t exp;  /* sign in bit 15, biased exponent in bits 14:0 */
    uint16_t pad[3];
} X87Reg;

/* One vector register: XMM in the low 128 bits, YMM's upper half above. */
typedef union X86Vec {
    uint8_t b[32];
    uint16_t w[16];
    uint32_t l[8];
    uint64_t q[4];
    float s[8];
    double d[4];
} X86Vec;

/* Why the vCPU left translated code through cpu_loop_exit (exception_index). */
#define EXCP_INTERRUPT_BASE 0   /* 0..255: guest exception/interrupt vector */
#define EXCP_HLT            256 /* HLT: wait for an interrupt */
#define EXCP_SHUTDOWN       257 /* triple fault */
#define EXCP_DEBUG          258 /* a gdb breakpoint (system/debug.h): rIP on it */
#define EXCP_DEBUG_WATCH    259 /* a gdb watchpoint was hit: rIP past the instruction */

/* Translation option (cflags): one instruction, for the gdb stub's single-step; gdb
 * breakpoints are not checked in such a block (the step starts on one). */
#define X86_CF_GDB_STEP 0x10000u

struct Machine;
struct X86CPU;

typedef struct CPUX86State {
    uint64_t regs[16];
    uint64_t rip;
    uint64_t eflags; /* every bit except the arithmetic ones (kept lazily) */
    uint64_t cc_op;  /* CCOp; 64-bit so every IR global is one type */
    uint64_t cc_dst, cc_src, cc_src2;

    SegmentCache segs[6];
    SegmentCache ldt, tr;
    struct {
        uint64_t base;
        uint32_t limit;
    } gdt, idt;
    uint64_t cr[5];
    uint64_t efer;
    uint64_t dr[8];
    uint32_t hflags;
    uint32_t a20_mask_lo; /* physical address mask bit 20 gate: ~0 or ~(1 << 20) */

    /* x87 FPU (SDM Vol 1 §8.1): fpstt is TOP; fpus holds the status word with TOP
     * cleared; fptag has 2 bits per physical register (00 valid, 01 zero, 10 special,
     * 11 empty). fpop is the last opcode, fpip/fpdp the last instruction/operand
     * pointers. */
    X87Reg fpregs[8];
    uint16_t fpuc, fpus, fptag, fpop;
    uint32_t fpstt;
    uint16_t fpcs, fpds;
    uint64_t fpip, fpdp;

    /* SSE/AVX */
    X86Vec vec[16];
    uint32_t mxcsr;
    uint64_t xcr0;
    /* Scratch for vector instructions: a memory operand is loaded here (or a result
     * built here before it is stored) so that every fault comes before any write. */
    X86Vec vec_tmp;

    /* MSRs (SDM Vol 4) */
    uint64_t star, lstar, cstar, fmask, kernel_gs_base;
    uint64_t sysenter_cs, sysenter_esp, sysenter_eip;
    int64_t tsc_offset; /* guest TSC = host TSC-like counter + offset */
    uint64_t tsc_aux, tsc_deadline;
    uint64_t pat, apic_base, misc_enable;
    uint64_t mtrr_cap_def_type;
    uint64_t mtrr_fixed[11];
    uint64_t mtrr_var[16]; /* base/mask pairs */

    /* Interrupt shadow after STI / MOV SS / POP SS: no maskable interrupt (or debug
     * trap for MOV SS) is taken before the next instruction completes. */
    bool inhibit_irq;
    bool nmi_blocked; /* between NMI delivery and the next IRET */

    /* Exception being raised (cpu_loop_exit) */
    int exception_index;
    int error_code;
    bool exception_has_error;
    bool exception_soft; /* INT n / INT3 / INTO: rip already points past it */
    bool halted;
    /* Set by translated code around the load of a read-modify-write destination
     * (gen_ld_rmw_opnd); the load's slow path consumes it. */
    uint8_t rmw_load;
    /* This CPU's FERR# output (x87_report_pending in fpu_helper.c). */
    bool ferr;

    struct X86CPU *cpu; /* back pointer */
} CPUX86State;

/* The CPU's local APIC (hw/apic.c, created by the board): the CPU forwards to it its
 * accesses to the xAPIC page, the x2APIC MSRs and IA32_APIC_BASE writes. Called with the
 * machine lock held; apic_ops NULL means no APIC. */
typedef struct X86LocalApicOps {
    bool (*mmio_match)(void *apic, uint64_t phys); /* phys is in the enabled xAPIC page */
    uint32_t (*mmio_read)(void *apic, uint32_t offset);
    void (*mmio_write)(void *apic, uint32_t offset, uint32_t val);
    bool (*msr_read)(void *apic, uint32_t msr, uint64_t *val); /* false: #GP */
    bool (*msr_write)(void *apic, uint32_t msr, uint64_t val); /* false: #GP */
    bool (*set_base)(void *apic, uint64_t val);                /* false: #GP */
} X86LocalApicOps;

typedef struct X86CPU {
    CPUX86State env;
    TCGExecState exec;
    /* CPU_INTERRUPT_* bits; set by devices (with exit_request) from any thread. */
    atomic_uint interrupt_request;
    uint8_t sipi_vector;
    sigjmp_buf jmp_env; /* where cpu_loop_exit lands, in the vCPU loop */
    struct Machine *machine;
    int index;
    TBCache *tb_cache;
    const struct X86CPUModel *model; /* CPUID model (cpu/x86/cpuid.h), from -cpu */
    X86TLB tlb;                      /* software TLB (cpu/x86/tlb.h), at a fixed offset from env */
    const X86LocalApicOps *apic_ops;
    void *apic;
} X86CPU;

void x86_cpu_init(X86CPU *cpu, struct Machine *m, int index, TBCache *tbc);
/* Power-on/reset state (SDM 3A §9.1.1, Table 9-1). */
void x86_cpu_reset(X86CPU *cpu);
/* Recomputes hflags after a change of CR0, EFER, EFLAGS.VM, CS or SS. */
void x86_cpu_update_hflags(CPUX86State *env);
/* Full EFLAGS, arithmetic flags included. */
uint32_t x86_read_eflags(const CPUX86State *env);
/* Sets EFLAGS: bits in mask from val (arithmetic flags go to the lazy state). */
void x86_write_eflags(CPUX86State *env, uint32_t val, uint32_t mask);
/* Writes a register dump (for -d cpu). */
void x86_cpu_dump(const CPUX86State *env, FILE *f);

/* Leaves translated code for the vCPU loop: vector EXCP_* or a guest exception. For
 * faults (soft == false) the guest state is restored to the faulting instruction's
 * start from the last insn_start. */
_Noreturn void x86_raise_exception(CPUX86State *env, int vector);
_Noreturn void x86_raise_exception_err(CPUX86State *env, int vector, int error_code);
_Noreturn void x86_cpu_loop_exit(CPUX86State *env);
/* Delivers exception_index to the guest (real mode IVT; protected mode IDT later). */
void x86_do_interrupt(CPUX86State *env);
/* Restores rip (and whatever else insn_start records) after a fault. */
void x86_restore_state(CPUX86State *env, const uint64_t *insn_data);

/* Guest memory, used by translated code (qemu_ld/st), helpers and the translator. */
extern const TCGGuestMemOps x86_guest_mem_ops;
uint64_t x86_ld(CPUX86State *env, uint64_t linear, unsigned size);
void x86_st(CPUX86State *env, uint64_t linear, uint64_t val, unsigned size);
/* Access kinds for x86_probe_access. */
enum { X86_ACCESS_READ = 0, X86_ACCESS_WRITE = 1, X86_ACCESS_EXEC = 2 };
/* Translates [linear, linear + size) (which must not cross a page) for an access of the
 * given kind with the permissions of mmu_idx, raising #PF (or #GP for a non-canonical
 * address) exactly as the access itself would, and returns a host pointer when the
 * page is RAM (for a write: after invalidating translated code on it), else NULL
 * (MMIO, unassigned). Used by helpers that need host atomics (LOCK) or several
 * accesses that must all succeed before any is made. */
uint8_t *x86_probe_access(CPUX86State *env, uint64_t linear, unsigned size, int access,
                          unsigned mmu_idx);
/* The MMU index (X86_MMU_*) of data accesses made in the mode hflags describes. */
unsigned x86_mmu_index(uint32_t hflags);
/* Linear -> physical for a code fetch; false if unmapped (later: #PF). */
bool x86_get_phys_code(CPUX86State *env, uint64_t linear, uint64_t *phys);
/* Reads up to len code bytes at linear; returns how many were readable. */
size_t x86_fetch_code(CPUX86State *env, uint64_t linear, uint8_t *buf, size_t len);

/* Translation (cpu/x86/translate.c). A translator is per vCPU thread: its IR builder
 * and the dispatch of decoded ops to their lowering. */
typedef struct X86Translator X86Translator;
X86Translator *x86_translator_new(void);
/* Blocks end at every jump back to their start (they never loop inside their code):
 * for a runner that stops after a number of blocks (accel/tcg-run.h). */
void x86_translator_no_block_loops(X86Translator *t);
void x86_translator_free(X86Translator *t);
/* Translates the block at env's current CS:rIP into a TB (not yet inserted). The low
 * 16 bits of cflags, when nonzero, cap the number of instructions. */
TranslationBlock *x86_translate_block(X86Translator *t, CPUX86State *env, uint32_t cflags,
                                      const Log *log);
/* The TB key of the current state. */
void x86_get_tb_key(const CPUX86State *env, uint64_t *pc, uint64_t *cs_base, uint32_t *flags);

/* Port I/O from translated code */
uint32_t x86_io_read(CPUX86State *env, uint16_t port, unsigned size);
void x86_io_write(CPUX86State *env, uint16_t port, uint32_t val, unsigned size);

static inline struct X86CPU *env_cpu(CPUX86State *env)
{
    return env->cpu;
}

#endif
