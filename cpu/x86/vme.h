/* Virtual-8086 mode extensions and protected-mode virtual interrupts (CR4.VME and
 * CR4.PVI, SDM Vol 3A §20.3-§20.4): with them, the IOPL-sensitive instructions of a
 * virtual-8086 task (or of CPL 3 code with PVI) work on EFLAGS.VIF instead of
 * faulting, and INT n can go straight to the 8086 handler of the IVT.
 */
#ifndef PACIFICA_CPU_X86_VME_H
#define PACIFICA_CPU_X86_VME_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/x86/cpu.h"

/* Virtual-8086 mode with CR4.VME and IOPL < 3: CLI/STI/PUSHF/POPF/IRET (16-bit forms)
 * use VIF. */
bool x86_vme_applies(const CPUX86State *env);
/* Protected mode at CPL 3 with CR4.PVI and IOPL < 3: CLI/STI use VIF. */
bool x86_pvi_applies(const CPUX86State *env);
/* CLI/STI on VIF; STI raises #GP(0) while VIP is set (SDM Vol 2B STI). */
void x86_vme_set_vif(CPUX86State *env, bool set);
/* The FLAGS image PUSHF and the redirected INT n push: IF is VIF, IOPL reads 3. */
uint32_t x86_vme_flags_image(const CPUX86State *env);
/* The flags a 16-bit POPF or IRET pops: #GP(0) if they set TF, or IF while VIP is
 * set; otherwise IF goes to VIF and IOPL stays (SDM Vol 2B POPF, Vol 2A IRET). */
void x86_vme_load_flags(CPUX86State *env, uint32_t flags);
/* INT n in virtual-8086 mode with CR4.VME: when the TSS's interrupt redirection bitmap
 * has bit n clear, delivers it through the 8086 IVT (methods 5 and 6 of SDM 3A Table
 * 20-2) and returns true; false: it goes through the IDT as without VME. */
bool x86_vme_redirect_int(CPUX86State *env, int vector);

#endif
