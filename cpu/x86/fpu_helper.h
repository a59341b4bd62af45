/* The x87 FPU (SDM Vol 1 chapter 8): helpers called from translated code, and the
 * status/control word bits the rest of the CPU may need.
 *
 * Arithmetic is done by the host's own x87: for each guest instruction the helper
 * loads the guest's whole x87 state into the host FPU (FRSTOR), executes the same
 * instruction (same opcode bytes, the memory operand moved to a host buffer), and
 * saves the state back (FNSAVE). Precision and rounding control, denormals, NaN
 * propagation, stack faults, condition codes and the responses to masked and
 * unmasked exceptions are therefore those of real hardware, bit for bit. The host's
 * own x87 state is saved around each execution and the exception flags are cleared in
 * the image loaded, so a guest can neither see nor disturb the host's FPU and never
 * makes the host trap. Control instructions (FNINIT, FLDCW, FLDENV, FNSAVE, ...) and
 * the pending-exception logic (#MF, FERR#) are done in software.
 */
#ifndef PACIFICA_CPU_X86_FPU_HELPER_H
#define PACIFICA_CPU_X86_FPU_HELPER_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/x86/cpu.h"
#include "cpu/x86/helper.h"
#include "tcg/tcg.h"

/* x87 status word (SDM Vol 1 §8.1.3, Figure 8-4). CPUX86State.fpus holds it with TOP
 * (bits 13:11) cleared; TOP is CPUX86State.fpstt. */
#define FPUS_IE  0x0001u /* invalid operation */
#define FPUS_DE  0x0002u /* denormal operand */
#define FPUS_ZE  0x0004u /* divide by zero */
#define FPUS_OE  0x0008u /* overflow */
#define FPUS_UE  0x0010u /* underflow */
#define FPUS_PE  0x0020u /* precision */
#define FPUS_SF  0x0040u /* stack fault (with IE; C1 = 1 overflow, 0 underflow) */
#define FPUS_ES  0x0080u /* error summary: an unmasked exception is pending */
#define FPUS_C0  0x0100u
#define FPUS_C1  0x0200u
#define FPUS_C2  0x0400u
#define FPUS_TOP 0x3800u
#define FPUS_C3  0x4000u
#define FPUS_B   0x8000u /* busy: mirrors ES (SDM Vol 1 §8.1.3) */
#define FPUS_EXC 0x003fu /* the six exception flags (and the six mask bits of FPUC) */
#define FPUS_CC  (FPUS_C0 | FPUS_C1 | FPUS_C2 | FPUS_C3)

/* x87 control word (SDM Vol 1 §8.1.5, Figure 8-6). */
#define FPUC_PC_SHIFT 8       /* precision control: 0 single, 2 double, 3 extended */
#define FPUC_RC_SHIFT 10      /* rounding control: nearest, down, up, toward zero */
#define FPUC_INIT     0x037fu /* FNINIT (SDM Vol 1 §8.1.5) */

/* Flags of the layout-dependent instructions (FLDENV, FNSTENV, FRSTOR, FNSAVE): which
 * of the four images of SDM Vol 1 §8.1.10 (Figures 8-9 to 8-12) they use. */
#define X87_ENV_32BIT 1u /* 32-bit operand size: 28-byte environment, else 14 */
#define X87_ENV_REAL  2u /* real-address or virtual-8086 mode layout */

/* The fields of the encoding argument of helper_x87_exec, built by the translator. */
#define X87_ENC_FOP_MASK  0x07ffu /* FOP: escape byte bits 2:0, then the ModRM byte */
#define X87_ENC_SEG_SHIFT 12      /* segment register of the memory operand */
#define X87_ENC_COND      0x8000u /* FCMOVcc: the guest condition holds */

/* clang-format off */
#define X86_FPU_HELPERS(H)                                                                         \
    H(x87_exec, 5, 0, 0)                                                                           \
    H(x87_fwait, 1, 0, TCG_CALL_NO_READ_GLOBALS | TCG_CALL_NO_WRITE_GLOBALS)                      \
    H(x87_fninit, 1, 0, TCG_CALL_NO_READ_GLOBALS | TCG_CALL_NO_WRITE_GLOBALS | TCG_CALL_NO_RAISE) \
    H(x87_fnclex, 1, 0, TCG_CALL_NO_READ_GLOBALS | TCG_CALL_NO_WRITE_GLOBALS | TCG_CALL_NO_RAISE) \
    H(x87_fldcw, 2, 0, TCG_CALL_NO_WRITE_GLOBALS)                                                 \
    H(x87_fnstsw, 1, 1, TCG_CALL_NO_READ_GLOBALS | TCG_CALL_NO_WRITE_GLOBALS |                    \
                        TCG_CALL_NO_SIDE_EFFECTS | TCG_CALL_NO_RAISE)                             \
    H(x87_fldenv, 3, 0, TCG_CALL_NO_WRITE_GLOBALS)                                                \
    H(x87_fnstenv, 3, 0, TCG_CALL_NO_WRITE_GLOBALS)                                               \
    H(x87_frstor, 3, 0, TCG_CALL_NO_WRITE_GLOBALS)                                                \
    H(x87_fnsave, 3, 0, TCG_CALL_NO_WRITE_GLOBALS)
/* clang-format on */

X86_FPU_HELPERS(X86_DECLARE_HELPER_INFO)

/* Executes one x87 instruction on the host FPU. enc: FOP (X87_ENC_FOP_MASK), the
 * memory operand's segment and the FCMOVcc condition; linear: the memory operand's
 * linear address; eip/ea_offset: what FIP and FDP record. FCOMI and its variants set
 * ZF/PF/CF (and clear OF/SF/AF) through the lazy flags. */
void helper_x87_exec(CPUX86State *env, uint64_t enc, uint64_t linear, uint64_t eip,
                     uint64_t ea_offset);
/* WAIT/FWAIT: delivers a pending unmasked exception (#MF). */
void helper_x87_fwait(CPUX86State *env);
void helper_x87_fninit(CPUX86State *env);
void helper_x87_fnclex(CPUX86State *env);
void helper_x87_fldcw(CPUX86State *env, uint64_t linear);
/* The status word with TOP, as FNSTSW stores it. */
uint64_t helper_x87_fnstsw(CPUX86State *env);
void helper_x87_fldenv(CPUX86State *env, uint64_t linear, uint64_t layout);
void helper_x87_fnstenv(CPUX86State *env, uint64_t linear, uint64_t layout);
void helper_x87_frstor(CPUX86State *env, uint64_t linear, uint64_t layout);
void helper_x87_fnsave(CPUX86State *env, uint64_t linear, uint64_t layout);

/* The full tag word (2 bits per physical register: 00 valid, 01 zero, 10 special,
 * 11 empty) computed from the registers' contents and which ones are empty, as
 * FNSTENV/FNSAVE store it (SDM Vol 1 §8.1.7). */
uint16_t x87_full_tag_word(const CPUX86State *env);

/* FERR# (SDM Vol 1 §8.7 and Appendix D): with CR0.NE = 0, an unmasked exception is
 * reported through the FERR# pin, which the PC routes to IRQ 13 (hw/fpu_error.h),
 * instead of #MF. True while an unmasked exception is pending (ES set) and NE is
 * clear. */
bool x87_ferr_asserted(const CPUX86State *env);

/* The check every waiting x87 instruction, and every MMX instruction, makes first:
 * a pending unmasked exception (FSW.ES) is delivered now, as #MF with CR0.NE = 1,
 * or on FERR# with NE = 0; the instruction then goes on as if IGNNE# were asserted
 * (no 486-style freeze), the exception staying recorded in ES. */
void x87_report_pending(CPUX86State *env);

/* After an instruction that may have cleared ES (FNCLEX, FNINIT, FLDENV, FRSTOR,
 * FXRSTOR, XRSTOR): FERR# goes inactive once nothing is pending. */
void x87_update_ferr(CPUX86State *env);

/* FERR# inactive whatever the state (the CPU is being reset by INIT). */
void x87_release_ferr(CPUX86State *env);

#endif
