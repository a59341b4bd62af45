/* Lowering of the x87 FPU. */
#include "cpu/x86/translate.h"

const X86Lowering x86_lowerings_fpu[] = {
    {0, NULL},
};
