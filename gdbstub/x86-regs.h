/* The x86 registers as gdb sees them: the layout of the target description
 * (target-xml.c) and of the g/G/p/P packets, for the i386:x86-64 and i386
 * architectures (gdb manual, "Standard Target Features", "i386 Features"). */
#ifndef PACIFICA_GDBSTUB_X86_REGS_H
#define PACIFICA_GDBSTUB_X86_REGS_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "cpu/x86/cpu.h"

typedef enum GdbRegKind {
    GDB_REG_GPR,
    GDB_REG_PC,
    GDB_REG_EFLAGS,
    GDB_REG_SEG, /* selector */
    GDB_REG_ST,  /* st(index): 80-bit x87 */
    GDB_REG_FPU, /* fctrl ... fop: index is GdbFpuReg */
    GDB_REG_XMM,
    GDB_REG_MXCSR,
    GDB_REG_SEGBASE, /* fs_base, gs_base */
    GDB_REG_KGSBASE,
    GDB_REG_CR,
    GDB_REG_EFER,
    GDB_REG_YMMH, /* the upper 128 bits of ymm(index) */
} GdbRegKind;

/* The target-description features, in the order of the XML. */
typedef enum GdbFeature {
    GDB_FEATURE_CORE,
    GDB_FEATURE_SSE,
    GDB_FEATURE_SEGMENTS,
    GDB_FEATURE_SYS,
    GDB_FEATURE_AVX,
    GDB_NB_FEATURES,
} GdbFeature;

typedef struct GdbReg {
    char name[12];
    uint8_t size; /* bytes in the packets */
    uint8_t kind; /* GdbRegKind */
    uint8_t index;
    uint8_t feature;   /* GdbFeature */
    const char *type;  /* gdb type name */
    const char *group; /* NULL: general */
} GdbReg;

#define GDB_MAX_REGS 96

typedef struct GdbRegLayout {
    bool x86_64;
    unsigned count;
    GdbReg regs[GDB_MAX_REGS];
} GdbRegLayout;

void gdb_reg_layout_init(GdbRegLayout *l, bool x86_64);
/* Appends register r of env, as the packets carry it (little-endian, r->size bytes). */
void gdb_reg_read(CPUX86State *env, const GdbReg *r, GString *hex_out);
/* Sets register r from r->size bytes. */
void gdb_reg_write(CPUX86State *env, const GdbReg *r, const uint8_t *buf);
/* The whole target description for gdb's qXfer:features:read:target.xml. */
char *gdb_target_xml(const GdbRegLayout *l);

#endif
