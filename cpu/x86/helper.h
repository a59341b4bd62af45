/* Helpers called from translated x86 code: the reference semantics of instructions
 * too involved to lower to IR. Each has a TCGHelperInfo (helper_info_NAME) that
 * declares its arguments and effects. */
#ifndef PACIFICA_CPU_X86_HELPER_H
#define PACIFICA_CPU_X86_HELPER_H

#include <stdint.h>

#include "cpu/x86/cpu.h"
#include "tcg/tcg.h"

#define X86_HELPERS(H)                                                                             \
    /* name, args, has result, flags */                                                            \
    H(cc_compute_all, 4, 1,                                                                        \
      TCG_CALL_NO_READ_GLOBALS | TCG_CALL_NO_WRITE_GLOBALS | TCG_CALL_NO_SIDE_EFFECTS |            \
          TCG_CALL_NO_RAISE)                                                                       \
    H(cc_compute_c, 4, 1,                                                                          \
      TCG_CALL_NO_READ_GLOBALS | TCG_CALL_NO_WRITE_GLOBALS | TCG_CALL_NO_SIDE_EFFECTS |            \
          TCG_CALL_NO_RAISE)                                                                       \
    H(cc_compute_cond, 5, 1,                                                                       \
      TCG_CALL_NO_READ_GLOBALS | TCG_CALL_NO_WRITE_GLOBALS | TCG_CALL_NO_SIDE_EFFECTS |            \
          TCG_CALL_NO_RAISE)                                                                       \
    H(raise_exception, 2, 0, 0)                                                                    \
    H(raise_soft_interrupt, 3, 0, 0)                                                               \
    H(hlt, 2, 0, 0)                                                                                \
    H(in, 3, 1, 0)                                                                                 \
    H(out, 4, 0, 0)                                                                                \
    H(read_eflags, 1, 1, TCG_CALL_NO_WRITE_GLOBALS | TCG_CALL_NO_RAISE)                            \
    H(pushf, 2, 1, TCG_CALL_NO_WRITE_GLOBALS)                                                      \
    H(popf, 3, 0, 0)                                                                               \
    H(cli, 1, 0, 0)                                                                                \
    H(sti, 1, 0, 0)                                                                                \
    H(load_seg, 3, 0, 0)                                                                           \
    H(ljmp, 3, 0, 0)                                                                               \
    H(lcall, 5, 0, 0)                                                                              \
    H(lret, 3, 0, 0)                                                                               \
    H(iret, 2, 0, 0)                                                                               \
    H(div, 3, 0, 0)                                                                                \
    H(idiv, 3, 0, 0)                                                                               \
    H(rotate, 5, 1, 0)

/* Every helper file lists its helpers in an X-macro like X86_HELPERS (in its own
 * header) and expands it with these two: declarations in the header, definitions
 * (the TCGHelperInfo rows) in the .c file. */
#define X86_DECLARE_HELPER_INFO(name, n, r, f) extern const TCGHelperInfo helper_info_##name;
#define X86_DEFINE_HELPER_INFO(name, n, r, f)                                                      \
    const TCGHelperInfo helper_info_##name = {                                                     \
        (void (*)(void))helper_##name, #name, f, n, r, TCG_TYPE_I64};

X86_HELPERS(X86_DECLARE_HELPER_INFO)

/* Rotate kinds for helper_rotate (the group-2 ModRM.reg values). */
enum { ROT_ROL = 0, ROT_ROR = 1, ROT_RCL = 2, ROT_RCR = 3 };

_Noreturn void helper_raise_exception(CPUX86State *env, uint64_t vector);
_Noreturn void helper_raise_soft_interrupt(CPUX86State *env, uint64_t vector, uint64_t next_eip);
_Noreturn void helper_hlt(CPUX86State *env, uint64_t next_eip);
uint64_t helper_in(CPUX86State *env, uint64_t port, uint64_t size);
void helper_out(CPUX86State *env, uint64_t port, uint64_t val, uint64_t size);
uint64_t helper_read_eflags(CPUX86State *env);
/* PUSHF's image, after the v8086 IOPL check (#GP(0)). */
uint64_t helper_pushf(CPUX86State *env, uint64_t opsize);
void helper_popf(CPUX86State *env, uint64_t val, uint64_t opsize);
void helper_cli(CPUX86State *env);
void helper_sti(CPUX86State *env);
/* Segment loads and far transfers, every mode (seg_helper.c). load_seg of SS sets the
 * interrupt shadow. */
void helper_load_seg(CPUX86State *env, uint64_t seg, uint64_t selector);
void helper_ljmp(CPUX86State *env, uint64_t selector, uint64_t eip);
void helper_lcall(CPUX86State *env, uint64_t selector, uint64_t eip, uint64_t next_eip,
                  uint64_t opsize);
void helper_lret(CPUX86State *env, uint64_t opsize, uint64_t imm);
void helper_iret(CPUX86State *env, uint64_t opsize);
void helper_div(CPUX86State *env, uint64_t divisor, uint64_t size);
void helper_idiv(CPUX86State *env, uint64_t divisor, uint64_t size);
uint64_t helper_rotate(CPUX86State *env, uint64_t kind, uint64_t size, uint64_t val,
                       uint64_t count);

#endif
