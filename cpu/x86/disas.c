/* Guest code disassembly for the log, through capstone (Intel syntax). A capstone
 * handle is opened per call: logging is slow anyway, and no state outlives the call. */
#include <inttypes.h>

/* capstone's x86.h has an enumerator X86_OP_INVALID (operand type) that clashes with
 * our X86Op of the same name: rename capstone's while its header is read. */
#define X86_OP_INVALID CAPSTONE_X86_OP_INVALID
#include <capstone/capstone.h>
#undef X86_OP_INVALID

#include "cpu/x86/disas.h"

static cs_mode capstone_mode(X86CodeSize size)
{
    switch (size) {
    case X86_CODE16: return CS_MODE_16;
    case X86_CODE32: return CS_MODE_32;
    default: return CS_MODE_64;
    }
}

/* Prints the bytes capstone could not decode, or all of them if it cannot run. */
static void print_raw_bytes(FILE *f, const uint8_t *code, size_t len, uint64_t pc)
{
    for (size_t i = 0; i < len; i++)
        fprintf(f, "0x%016" PRIx64 ":  .byte 0x%02x\n", pc + i, code[i]);
}

void x86_disas_log(FILE *f, const uint8_t *code, size_t len, uint64_t pc, X86CodeSize size)
{
    csh handle;
    if (cs_open(CS_ARCH_X86, capstone_mode(size), &handle) != CS_ERR_OK) {
        print_raw_bytes(f, code, len, pc);
        return;
    }
    cs_insn *insn = cs_malloc(handle);
    while (len > 0) {
        const uint8_t *p = code;
        size_t left = len;
        uint64_t addr = pc;
        if (insn && cs_disasm_iter(handle, &p, &left, &addr, insn)) {
            fprintf(f, "0x%016" PRIx64 ":  %s%s%s\n", pc, insn->mnemonic,
                    insn->op_str[0] ? " " : "", insn->op_str);
        } else {
            print_raw_bytes(f, code, 1, pc);
            p = code + 1;
            left = len - 1;
            addr = pc + 1;
        }
        code = p;
        len = left;
        pc = addr;
    }
    if (insn)
        cs_free(insn, 1);
    cs_close(&handle);
}
