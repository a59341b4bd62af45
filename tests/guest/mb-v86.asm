; mb-v86.asm - virtual-8086 mode (SDM Vol 3A chapter 20): entering it with
; an IRET whose EFLAGS image has VM = 1, 8086 code with real-mode address
; arithmetic, INT n with IOPL 3 handled by a protected-mode handler (the
; frame with ES/DS/FS/GS, data segments nulled in the handler, IRET back to
; virtual-8086 mode), #GP(0) for CLI and INT n with IOPL < 3, and the return
; to protected mode.
%include "lib32.inc"

V86_SEG         equ LOW_RAM >> 4        ; the 8086 code's CS, DS and SS
V86_ES          equ 0x1111
V86_FS          equ 0x2222
V86_GS          equ 0x3333
V86_SP          equ 0xfff0
V86_DATA        equ 0x0800              ; results, at V86_SEG:0800
VEC_V86         equ 0x31                ; DPL 3 gate to v86_int_handler
F_IOPL0         equ 0

; V86 results (linear addresses of V86_SEG:V86_DATA + n)
R_SUM           equ LOW_RAM + V86_DATA + 0x00
R_ROL           equ LOW_RAM + V86_DATA + 0x04
R_ES            equ LOW_RAM + V86_DATA + 0x08
R_DS            equ LOW_RAM + V86_DATA + 0x0a
R_FS            equ LOW_RAM + V86_DATA + 0x0c
R_GS            equ LOW_RAM + V86_DATA + 0x0e
R_SS            equ LOW_RAM + V86_DATA + 0x10
R_CS            equ LOW_RAM + V86_DATA + 0x12
R_SP            equ LOW_RAM + V86_DATA + 0x14
R_DS_AFTER      equ LOW_RAM + V86_DATA + 0x16
R_FS_AFTER      equ LOW_RAM + V86_DATA + 0x18
R_MUL           equ LOW_RAM + V86_DATA + 0x1c

; ENTER_V86 offset, eflags: IRET to V86_SEG:offset in virtual-8086 mode
; (SDM Vol 3A §20.2.5: the 9-doubleword frame GS FS DS ES SS ESP EFLAGS CS EIP)
%macro ENTER_V86 2
    push dword V86_GS
    push dword V86_FS
    push dword V86_SEG
    push dword V86_ES
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
    SET_IDT_GATE VEC_V86, KCODE, v86_int_handler, ACC_P | ACC_DPL3 | SYS_INTGATE32

    AREA "enter virtual-8086 mode"
    EXPECT RING0_VEC, .run_done
    ENTER_V86 v86_main, F_IOPL3
.run_done:
    CHECK "8086 add", [R_SUM], 6912
    CHECK "32-bit operand in v86", [R_ROL], 0x34567812
    CHECK "16-bit mul", [R_MUL], 0x0007adf0
    CHECK "es:offset = es * 16 + offset", [V86_ES * 16 + 0x10], 0xbeef
    movzx ecx, word [R_ES]
    CHECK "es", ecx, V86_ES
    movzx ecx, word [R_DS]
    CHECK "ds", ecx, V86_SEG
    movzx ecx, word [R_FS]
    CHECK "fs", ecx, V86_FS
    movzx ecx, word [R_GS]
    CHECK "gs", ecx, V86_GS
    movzx ecx, word [R_SS]
    CHECK "ss", ecx, V86_SEG
    movzx ecx, word [R_CS]
    CHECK "cs", ecx, V86_SEG
    movzx ecx, word [R_SP]
    CHECK "sp", ecx, V86_SP

    AREA "int n with iopl 3"
    ; SDM Vol 3A §20.3.1.1: to a CPL 0 handler through a DPL 3 gate, on the
    ; TSS stack; the frame holds GS FS DS ES SS ESP EFLAGS CS EIP, and DS, ES,
    ; FS, GS are null in the handler. IRET with VM = 1 in the image returns.
    CHECK "handler ds null", [h_ds], 0
    CHECK "handler es null", [h_es], 0
    CHECK "handler fs null", [h_fs], 0
    CHECK "handler gs null", [h_gs], 0
    CHECK "handler esp", [h_esp], lib_tss_stack_top - 36
    CHECK_MASKED "vm in the pushed eflags", [h_eflags], F_VM, F_VM
    CHECK "pushed eip", [h_frame], v86_main.after_int - v86_code
    CHECK_MASKED "pushed cs", [h_frame + 4], 0xffff, V86_SEG
    CHECK "pushed esp", [h_frame + 12], V86_SP
    CHECK_MASKED "pushed ss", [h_frame + 16], 0xffff, V86_SEG
    CHECK_MASKED "pushed es", [h_frame + 20], 0xffff, V86_ES
    CHECK_MASKED "pushed ds", [h_frame + 24], 0xffff, V86_SEG
    CHECK_MASKED "pushed fs", [h_frame + 28], 0xffff, V86_FS
    CHECK_MASKED "pushed gs", [h_frame + 32], 0xffff, V86_GS
    movzx ecx, word [R_DS_AFTER]
    CHECK "ds back after iret", ecx, V86_SEG
    movzx ecx, word [R_FS_AFTER]
    CHECK "fs back after iret", ecx, V86_FS
    ; the harness caught the final INT 0x30 in the same way
    CHECK "int 0x30 eip", [lib_exc_eip], v86_main.end - v86_code
    CHECK "int 0x30 cs", [lib_exc_cs], V86_SEG
    CHECK "int 0x30 gs", [lib_exc_gs], V86_GS

    AREA "#GP with iopl 0"
    ; SDM Vol 3A §20.2.7, table 20-2: with IOPL < 3 (and no VME) CLI and
    ; INT n are #GP(0), the faulting instruction's IP pushed
    EXPECT V_GP, .cli_done
    ENTER_V86 v86_cli, F_IOPL0
.cli_done:
    CHECK_EXC "cli", V_GP, 0, v86_cli - v86_code
    CHECK "cli: cs", [lib_exc_cs], V86_SEG
    CHECK_MASKED "cli: vm in eflags", [lib_exc_eflags], F_VM, F_VM
    EXPECT V_GP, .int_done
    ENTER_V86 v86_int_only, F_IOPL0
.int_done:
    CHECK_EXC "int n", V_GP, 0, v86_int_only - v86_code

    AREA "back in protected mode"
    CHECKF "vm clear", F_VM, 0
    mov cx, cs
    movzx ecx, cx
    CHECK "cs", ecx, KCODE
    mov ecx, cr0
    and ecx, 1
    CHECK "cr0.pe", ecx, 1

    FINISH

; The protected-mode handler for VEC_V86: records the data segments (null
; here) and the frame, then IRETs back to virtual-8086 mode.
v86_int_handler:
    mov [ss:h_esp], esp
    push eax
    xor eax, eax
    mov ax, ds
    mov [ss:h_ds], eax
    mov ax, es
    mov [ss:h_es], eax
    mov ax, fs
    mov [ss:h_fs], eax
    mov ax, gs
    mov [ss:h_gs], eax
    mov eax, [esp + 4 + 8]
    mov [ss:h_eflags], eax
    push ecx
    xor ecx, ecx
.copy:
    mov eax, [esp + 8 + ecx * 4]
    mov [ss:h_frame + ecx * 4], eax
    inc ecx
    cmp ecx, 9
    jne .copy
    pop ecx
    pop eax
    iretd

align 4
h_esp:      dd 0
h_ds:       dd 0xffffffff
h_es:       dd 0xffffffff
h_fs:       dd 0xffffffff
h_gs:       dd 0xffffffff
h_eflags:   dd 0
h_frame:    times 9 dd 0

; ------------------------------------------------------------- 8086 code
; Copied to V86_SEG:0; labels are used as offsets from v86_code.
[bits 16]
v86_code:
v86_main:
    mov ax, 1234
    mov bx, 5678
    add ax, bx
    mov [V86_DATA + 0x00], ax
    mov word [V86_DATA + 0x02], 0
    mov eax, 0x12345678
    rol eax, 8
    mov [V86_DATA + 0x04], eax
    mov ax, 0x1234
    mov bx, 0x6c
    mul bx                              ; DX:AX = 0x0007adf0
    mov [V86_DATA + 0x1c], ax
    mov [V86_DATA + 0x1e], dx
    mov word [es:0x10], 0xbeef
    mov word [es:0x12], 0
    mov [V86_DATA + 0x08], es
    mov [V86_DATA + 0x0a], ds
    mov [V86_DATA + 0x0c], fs
    mov [V86_DATA + 0x0e], gs
    mov [V86_DATA + 0x10], ss
    mov [V86_DATA + 0x12], cs
    mov [V86_DATA + 0x14], sp
    int VEC_V86
.after_int:
    mov [V86_DATA + 0x16], ds
    mov [V86_DATA + 0x18], fs
    int RING0_VEC
.end:

v86_cli:
    cli
    int RING0_VEC

v86_int_only:
    int RING0_VEC
v86_code_end:
[bits 32]

    KERNEL_END
