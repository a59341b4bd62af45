; mb-vme.asm - virtual-8086 mode extensions and protected-mode virtual interrupts
; (CR4.VME, CR4.PVI; SDM Vol 3A §20.3-§20.4), with -cpu max: in a virtual-8086 task
; with IOPL 0, CLI/STI, PUSHF/POPF and IRET work on VIF (PUSHF shows VIF as IF and
; IOPL 3), STI or POPF of IF = 1 while VIP is set and 32-bit PUSHFD are #GP(0);
; INT n goes to the 8086 handler of the IVT when its bit in the TSS's interrupt
; redirection bitmap is clear (method 6 of Table 20-2), else #GP (method 3); at
; CPL 3 with PVI, CLI and STI change VIF and leave IF alone.
%include "lib32.inc"

V86_SEG         equ LOW_RAM >> 4        ; the 8086 code's CS, DS, ES, SS
V86_SP          equ 0xfff0
V86_DATA        equ 0x0800
F_VIF           equ 1 << 19
F_VIP           equ 1 << 20
CR4_VME         equ 1 << 0
CR4_PVI         equ 1 << 1
VEC_REDIR       equ 0x41                ; redirection bit clear: the IVT's handler
VEC_KEPT        equ 0x42                ; bit set: #GP with IOPL < 3
REDIR_MAP       equ lib_tss + TSS_SIZE - 32 ; 32 bytes below the I/O map (TSS_IOMAP)

; results of the 8086 code (linear addresses)
R_CLI_FLAGS     equ LOW_RAM + V86_DATA + 0x00 ; PUSHF after CLI
R_STI_FLAGS     equ LOW_RAM + V86_DATA + 0x02 ; PUSHF after STI
R_POPF0_FLAGS   equ LOW_RAM + V86_DATA + 0x04 ; PUSHF after POPF of IF = 0
R_POPF1_FLAGS   equ LOW_RAM + V86_DATA + 0x06 ; PUSHF after POPF of IF = 1
R_H_PUSHED      equ LOW_RAM + V86_DATA + 0x08 ; FLAGS the redirected INT pushed
R_H_FLAGS       equ LOW_RAM + V86_DATA + 0x0a ; PUSHF in the 8086 handler
R_AFTER_IRET    equ LOW_RAM + V86_DATA + 0x0c ; PUSHF after its IRET
R_H_MARK        equ LOW_RAM + V86_DATA + 0x0e

; ENTER_V86 offset, eflags: IRET to V86_SEG:offset in virtual-8086 mode
%macro ENTER_V86 2
    push dword 0
    push dword 0
    push dword V86_SEG
    push dword V86_SEG
    push dword V86_SEG
    push dword V86_SP
    push dword F_VM | (%2) | 2
    push dword V86_SEG
    push dword (%1) - v86_code
    iretd
%endmacro

start:
    mov esi, v86_code                   ; the 8086 code goes below 1 MiB
    mov edi, LOW_RAM
    mov ecx, v86_code_end - v86_code
    rep movsb

    AREA "cpuid and cr4"
    mov eax, 1
    cpuid
    and edx, 1 << 1
    CHECK "cpuid.01h:edx.vme", edx, 1 << 1
    mov eax, cr4
    or eax, CR4_VME | CR4_PVI
    mov cr4, eax
    mov eax, cr4
    and eax, CR4_VME | CR4_PVI
    CHECK "cr4.vme and pvi", eax, CR4_VME | CR4_PVI

    AREA "cli/sti/pushf/popf on vif"
    EXPECT V_GP, .flags_done
    ENTER_V86 v86_flags, F_IF
.flags_done:
    CHECK_EXC "hlt ends the 8086 code", V_GP, 0, v86_flags.end - v86_code
    CHECK_MASKED "pushf after cli: if = vif = 0, iopl 3", [R_CLI_FLAGS], 0xffff, 0x3002
    CHECK_MASKED "pushf after sti: if = vif = 1", [R_STI_FLAGS], 0xffff, 0x3202
    CHECK_MASKED "popf of if = 0", [R_POPF0_FLAGS], 0xffff, 0x3002
    CHECK_MASKED "popf of if = 1", [R_POPF1_FLAGS], 0xffff, 0x3202
    CHECK_MASKED "vif set, if and iopl untouched", [lib_exc_eflags], F_VIF | F_IF | F_IOPL3, F_VIF | F_IF

    AREA "vip"
    ; SDM Vol 2B STI/POPF: #GP(0) when they would set VIF while VIP is set
    EXPECT V_GP, .sti_done
    ENTER_V86 v86_sti, F_IF | F_VIP
.sti_done:
    CHECK_EXC "sti with vip", V_GP, 0, v86_sti - v86_code
    EXPECT V_GP, .popf_done
    ENTER_V86 v86_popf1, F_IF | F_VIP
.popf_done:
    CHECK_EXC "popf of if = 1 with vip", V_GP, 0, v86_popf1.popf - v86_code
    EXPECT V_GP, .pushfd_done
    ENTER_V86 v86_pushfd, F_IF
.pushfd_done:
    CHECK_EXC "32-bit pushfd", V_GP, 0, v86_pushfd - v86_code

    AREA "int n redirection"
    mov edi, REDIR_MAP                  ; every bit set (not redirected) up to
    mov ecx, 28                         ; vector DFh (the last 4 bytes are the
    mov al, 0xff                        ; TSS's T bit and I/O map base)
    rep stosb
    and byte [REDIR_MAP + VEC_REDIR / 8], ~(1 << (VEC_REDIR % 8))
    mov word [VEC_REDIR * 4], v86_handler - v86_code ; IVT entry (linear 0)
    mov word [VEC_REDIR * 4 + 2], V86_SEG
    EXPECT V_GP, .redir_done
    ENTER_V86 v86_redir, F_IF | F_VIF
.redir_done:
    CHECK_EXC "int with the bit set", V_GP, 0, v86_redir.kept - v86_code
    CHECK "8086 handler ran", [R_H_MARK], 0x4141
    CHECK_MASKED "pushed flags: if = vif, iopl 3", [R_H_PUSHED], F_IF | F_IOPL3, F_IF | F_IOPL3
    CHECK_MASKED "vif clear in the handler", [R_H_FLAGS], F_IF, 0
    CHECK_MASKED "vif back after iret", [R_AFTER_IRET], F_IF, F_IF

    AREA "pvi at cpl 3"
    EXPECT RING0_VEC, .pvi_done
    ENTER_RING3 ring3_pvi, F_IF | F_VIF | 2
.pvi_done:
    CHECK_MASKED "cli: vif cleared, if kept", [pvi_flags_cli], F_IF | F_VIF, F_IF
    CHECK_MASKED "sti: vif set", [lib_exc_eflags], F_IF | F_VIF, F_IF | F_VIF
    mov eax, cr4
    and eax, ~(CR4_VME | CR4_PVI)
    mov cr4, eax
    EXPECT V_GP, .nopvi_done
    ENTER_RING3 ring3_cli, F_IF | 2
.nopvi_done:
    CHECK_EXC "cli at cpl 3 without pvi", V_GP, 0, ring3_cli

    FINISH

ring3_pvi:
    cli
    pushfd
    pop dword [pvi_flags_cli]
    sti
    RING0_RETURN

ring3_cli:
    cli
    RING0_RETURN

align 4
pvi_flags_cli: dd 0

; ------------------------------------------------------------- 8086 code
[bits 16]
v86_code:
v86_flags:
    cli
    pushf
    pop word [V86_DATA + 0x00]
    sti
    pushf
    pop word [V86_DATA + 0x02]
    push word 0x0002
    popf
    pushf
    pop word [V86_DATA + 0x04]
    push word 0x0202
    popf
    pushf
    pop word [V86_DATA + 0x06]
.end:
    hlt

v86_sti:
    sti
v86_popf1:
    push word 0x0202
.popf:
    popf
    hlt

v86_pushfd:
    pushfd
    hlt

v86_redir:
    int VEC_REDIR
    pushf
    pop word [V86_DATA + 0x0c]
.kept:
    int VEC_KEPT
    hlt

v86_handler:
    mov bp, sp
    mov ax, [bp + 4]
    mov [V86_DATA + 0x08], ax
    pushf
    pop word [V86_DATA + 0x0a]
    mov word [V86_DATA + 0x0e], 0x4141
    iret
v86_code_end:
[bits 32]

    KERNEL_END
