/* Guest code disassembly for the log (-d in_asm), through capstone. */
#ifndef PACIFICA_CPU_X86_DISAS_H
#define PACIFICA_CPU_X86_DISAS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cpu/x86/decode.h"

/* Prints code[0..len) as instructions, one line each:
 * "0x%016" PRIx64 ":  mnemonic operands", with pc the address of code[0]. Bytes
 * capstone does not know are printed as ".byte 0x.." one at a time. */
void x86_disas_log(FILE *f, const uint8_t *code, size_t len, uint64_t pc, X86CodeSize size);

#endif
