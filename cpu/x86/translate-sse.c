/* Lowering of SSE through SSE4.2 and AVX/AVX2, and XSAVE state. */
#include "cpu/x86/translate.h"

const X86Lowering x86_lowerings_sse[] = {
    {0, NULL},
};
