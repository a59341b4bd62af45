/* Lowering of system instructions: control/debug registers, descriptor tables, CPUID, MSRs, TSC, fast system calls. */
#include "cpu/x86/translate.h"

const X86Lowering x86_lowerings_sys[] = {
    {0, NULL},
};
