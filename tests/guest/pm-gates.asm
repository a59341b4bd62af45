; pm-gates.asm - 32-bit protected mode entered from the reset ROM: a GDT, an
; IDT and a TSS built in RAM, exceptions with their error codes (#GP and #NP
; on segment loads, #GP with the IDT bit for a vector beyond the IDT limit),
; IRET to CPL 3 (data segment registers more privileged than CPL 3 become
; null), a call gate from CPL 3 to CPL 0 with the stack switch to the TSS's
; SS0:ESP0 and a copied parameter, RETF with a parameter release back to
; CPL 3, and INT n from CPL 3 through a DPL 3 interrupt gate (SDM Vol 3A
; §3.4, §5.8, §6.12, §6.13, §7.2).
;
; The protected-mode part records what it sees in RAM and returns to real
; mode (SDM Vol 3A §9.9.2), where the lib.inc checks report it.
%include "lib.inc"

; RAM (segment 0, linear = offset)
GDT_BASE        equ TEST_DATA               ; 0x1000
IDT_BASE        equ TEST_DATA + 0x100       ; 0x1100: 0x22 gates
TSS_BASE        equ TEST_DATA + 0x300       ; 0x1300
PM_VARS         equ TEST_DATA + 0x400       ; 0x1400: results, see below
RING0_STACK     equ 0x6000                  ; TSS ESP0
RING3_STACK     equ 0x5800

; results (dwords)
R_GP_ERR        equ PM_VARS + 0x00          ; #GP on mov es, beyond the GDT
R_GP_EIP        equ PM_VARS + 0x04
R_NP_ERR        equ PM_VARS + 0x08          ; #NP on mov es, not present
R_NP_EIP        equ PM_VARS + 0x0c
R_IDT_ERR       equ PM_VARS + 0x10          ; #GP for int 0x21 beyond the IDT
R_IDT_EIP       equ PM_VARS + 0x14
R_R3_DS         equ PM_VARS + 0x18          ; DS right after IRET to CPL 3
R_R3_CS         equ PM_VARS + 0x1c
R_GATE_CS       equ PM_VARS + 0x20          ; inside the call-gate target
R_GATE_SS       equ PM_VARS + 0x24
R_GATE_ESP      equ PM_VARS + 0x28
R_GATE_PARAM    equ PM_VARS + 0x2c
R_GATE_RET_CS   equ PM_VARS + 0x30
R_GATE_OLD_ESP  equ PM_VARS + 0x34
R_GATE_OLD_SS   equ PM_VARS + 0x38
R_BACK_CS       equ PM_VARS + 0x3c          ; CPL 3 after RETF 4
R_BACK_ESP      equ PM_VARS + 0x40
R_INT_CS        equ PM_VARS + 0x44          ; frame of int 0x20 from CPL 3
R_INT_ESP       equ PM_VARS + 0x48
R_INT_SS        equ PM_VARS + 0x4c
R_INT_HCS       equ PM_VARS + 0x50          ; CS inside the handler
R_INT_HSS       equ PM_VARS + 0x54          ; SS inside the handler
R_UNEXPECTED    equ PM_VARS + 0x58          ; vector + 1 of a stray exception
R_DONE          equ PM_VARS + 0x5c          ; 0x600d once the PM part finished
PM_RESUME       equ PM_VARS + 0x60          ; where the fault handler resumes
PM_RESULT       equ PM_VARS + 0x64          ; where it stores error code, EIP
PM_VARS_SIZE    equ 0x68

; selectors
KCODE           equ 0x08                    ; 32-bit code, base F0000h, DPL 0
KDATA           equ 0x10                    ; flat 4 GiB data, DPL 0
UCODE           equ 0x18 | 3                ; 32-bit code, base F0000h, DPL 3
UDATA           equ 0x20 | 3                ; flat data, DPL 3
TSS_SEL         equ 0x28
CALL_GATE       equ 0x30 | 3                ; DPL 3 call gate, 1 parameter
RCODE16         equ 0x38                    ; 16-bit code, base F0000h
RDATA16         equ 0x40                    ; 16-bit data, base 0, 64 KiB
NP_DATA         equ 0x48                    ; data, not present
GDT_LIMIT       equ 0x4f
BEYOND_GDT      equ 0x80
VEC_USER        equ 0x20                    ; DPL 3 interrupt gate
IDT_LIMIT       equ VEC_USER * 8 + 7        ; vector 0x21 is beyond it

ROM_BASE        equ 0xF0000

; SDM Vol 3A §3.4.5 Figure 3-8: a segment descriptor from base, limit (in
; the granularity's units), the access byte and the G/D/L/AVL nibble.
%macro DESC 5 ; selector, base, limit, access, flags
    mov dword [GDT_BASE + ((%1) & ~7)], (((%2) & 0xffff) << 16) | ((%3) & 0xffff)
    mov dword [GDT_BASE + ((%1) & ~7) + 4], ((%2) & 0xff000000) | ((%5) << 20) | ((%3) & 0xf0000) | ((%4) << 8) | (((%2) >> 16) & 0xff)
%endmacro

; A gate (SDM Vol 3A §5.8.3 Figure 5-8, §6.11 Figure 6-2) at a linear
; address: target selector, offset (a ROM label), access byte, parameters.
%macro GATE 5 ; address, selector, offset, access, params
    mov dword [%1], ((%2) << 16) | (((%3) - $$) & 0xffff)
    mov dword [(%1) + 4], (((%3) - $$) & 0xffff0000) | ((%4) << 8) | (%5)
%endmacro

ACC_CODE0       equ 0x9a                    ; P, DPL 0, code, readable
ACC_DATA0       equ 0x92                    ; P, DPL 0, data, writable
ACC_CODE3       equ 0xfa
ACC_DATA3       equ 0xf2
ACC_TSS32       equ 0x89                    ; P, 32-bit TSS (available)
ACC_CALLGATE3   equ 0xec                    ; P, DPL 3, 32-bit call gate
ACC_INTGATE0    equ 0x8e                    ; P, DPL 0, 32-bit interrupt gate
ACC_INTGATE3    equ 0xee
FL_32           equ 0x4                     ; D/B
FL_4K           equ 0x8                     ; G

start:
    TEST_INIT

    ; Results start at zero.
    mov bx, PM_VARS
.clear:
    mov dword [bx], 0
    add bx, 4
    cmp bx, PM_VARS + PM_VARS_SIZE
    jb .clear

    DESC 0, 0, 0, 0, 0
    DESC KCODE, ROM_BASE, 0xffff, ACC_CODE0, FL_32
    DESC KDATA, 0, 0xfffff, ACC_DATA0, FL_32 | FL_4K
    DESC UCODE, ROM_BASE, 0xffff, ACC_CODE3, FL_32
    DESC UDATA, 0, 0xfffff, ACC_DATA3, FL_32 | FL_4K
    DESC TSS_SEL, TSS_BASE, 0x67, ACC_TSS32, 0
    GATE GDT_BASE + (CALL_GATE & ~7), KCODE, gate_target, ACC_CALLGATE3, 1
    DESC RCODE16, ROM_BASE, 0xffff, ACC_CODE0, 0
    DESC RDATA16, 0, 0xffff, ACC_DATA0, 0
    DESC NP_DATA, 0, 0xffff, ACC_DATA0 & 0x7f, 0

    ; IDT: vectors 0-31 report themselves as unexpected, except #NP and #GP.
    mov bx, IDT_BASE
    mov eax, (KCODE << 16) | (pm_stubs - $$)
.stub:
    mov [bx], eax
    mov dword [bx + 4], ACC_INTGATE0 << 8
    add bx, 8
    add eax, PM_STUB_SIZE
    cmp bx, IDT_BASE + 32 * 8
    jb .stub
    GATE IDT_BASE + 11 * 8, KCODE, pm_fault_with_error, ACC_INTGATE0, 0
    GATE IDT_BASE + 13 * 8, KCODE, pm_fault_with_error, ACC_INTGATE0, 0
    GATE IDT_BASE + VEC_USER * 8, KCODE, pm_user_int, ACC_INTGATE3, 0

    ; TSS: only SS0:ESP0 matter (SDM Vol 3A §7.2.1); no I/O bitmap.
    mov bx, TSS_BASE
.tss:
    mov dword [bx], 0
    add bx, 4
    cmp bx, TSS_BASE + 0x68
    jb .tss
    mov dword [TSS_BASE + 4], RING0_STACK
    mov dword [TSS_BASE + 8], KDATA
    mov word [TSS_BASE + 0x66], 0x68

    mov word [LIB_SCRATCH], GDT_LIMIT
    mov dword [LIB_SCRATCH + 2], GDT_BASE
    o32 lgdt [LIB_SCRATCH]
    mov word [LIB_SCRATCH], IDT_LIMIT
    mov dword [LIB_SCRATCH + 2], IDT_BASE
    o32 lidt [LIB_SCRATCH]

    ; SDM Vol 3A §9.9.1: set PE, then a far jump loads a protected-mode CS.
    mov eax, cr0
    or al, 1
    mov cr0, eax
    jmp dword KCODE:pm_entry

; ----------------------------------------------------------- back in real mode
real_again:
    mov ax, 0
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov gs, ax
    mov ss, ax
    mov sp, STACK_TOP
    mov word [LIB_SCRATCH], 0x3ff
    mov dword [LIB_SCRATCH + 2], 0
    o32 lidt [LIB_SCRATCH]

    AREA "protected mode round trip"
    CHECK "pm part finished", word [R_DONE], 0x600d
    CHECK "stray exception (vector + 1)", word [R_UNEXPECTED], 0

    AREA "#GP on a selector beyond the GDT"
    CHECK "#GP error code", word [R_GP_ERR], BEYOND_GDT
    CHECK "#GP error code high", word [R_GP_ERR + 2], 0
    CHECK "#GP saved eip", word [R_GP_EIP], fault_gp

    AREA "#NP on a not-present segment"
    CHECK "#NP error code", word [R_NP_ERR], NP_DATA
    CHECK "#NP saved eip", word [R_NP_EIP], fault_np

    AREA "#GP for a vector beyond the IDT"
    CHECK "idt error code", word [R_IDT_ERR], 0x21 * 8 + 2
    CHECK "idt saved eip", word [R_IDT_EIP], fault_idt

    AREA "iret to cpl 3"
    CHECK "cs at cpl 3", word [R_R3_CS], UCODE
    CHECK "ds nulled", word [R_R3_DS], 0

    AREA "call gate to cpl 0"
    CHECK "cs in gate target", word [R_GATE_CS], KCODE
    CHECK "ss from the tss", word [R_GATE_SS], KDATA
    CHECK "esp on the inner stack", word [R_GATE_ESP], RING0_STACK - 20
    mov ecx, [R_GATE_PARAM]
    CHECKD "copied parameter", ecx, 0x12345678
    CHECK "caller cs", word [R_GATE_RET_CS], UCODE
    CHECK "caller esp", word [R_GATE_OLD_ESP], RING3_STACK - 4
    CHECK "caller ss", word [R_GATE_OLD_SS], UDATA

    AREA "retf to cpl 3"
    CHECK "cs after retf", word [R_BACK_CS], UCODE
    CHECK "esp after retf 4", word [R_BACK_ESP], RING3_STACK

    AREA "int n from cpl 3"
    CHECK "pushed cs", word [R_INT_CS], UCODE
    CHECK "pushed esp", word [R_INT_ESP], RING3_STACK
    CHECK "pushed ss", word [R_INT_SS], UDATA
    CHECK "handler cs", word [R_INT_HCS], KCODE
    CHECK "handler ss", word [R_INT_HSS], KDATA

    FINISH

; ------------------------------------------------------ 32-bit protected mode
[bits 32]
pm_entry:
    mov ax, KDATA
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov esp, RING0_STACK
    mov ax, TSS_SEL
    ltr ax

    ; Faults with error codes: the handler stores the error code and the
    ; saved EIP at [PM_RESULT] and resumes at [PM_RESUME].
    mov dword [PM_RESULT], R_GP_ERR
    mov dword [PM_RESUME], pm_after_gp - $$
    mov ax, BEYOND_GDT
fault_gp:
    mov es, ax
pm_after_gp:
    mov dword [PM_RESULT], R_NP_ERR
    mov dword [PM_RESUME], pm_after_np - $$
    mov ax, NP_DATA
fault_np:
    mov es, ax
pm_after_np:
    mov dword [PM_RESULT], R_IDT_ERR
    mov dword [PM_RESUME], pm_after_idt - $$
fault_idt:
    int 0x21
pm_after_idt:

    ; IRET to CPL 3 (SDM Vol 2A IRET, RETURN-TO-OUTER-PRIVILEGE-LEVEL). DS and
    ; ES hold DPL 0 data: they become null.
    push dword UDATA
    push dword RING3_STACK
    push dword 0x0002
    push dword UCODE
    push dword ring3_code - $$
    iretd

ring3_code:
    mov ax, ds                          ; before loading anything
    mov bx, UDATA
    mov ds, bx
    mov [R_R3_DS], ax
    mov ax, cs
    mov [R_R3_CS], ax
    push dword 0x12345678
    call CALL_GATE:0                    ; the offset is the gate's
    mov ax, cs
    mov [R_BACK_CS], ax
    mov [R_BACK_ESP], esp
    int VEC_USER
    jmp pm_stray                        ; not reached: the handler moves on

; The call gate's target, at CPL 0 on the TSS stack: EIP, CS, the parameter,
; ESP and SS of the caller (SDM Vol 3A §5.8.5 Figure 5-13).
gate_target:
    mov ax, cs
    mov [R_GATE_CS], ax
    mov ax, ss
    mov [R_GATE_SS], ax
    mov [R_GATE_ESP], esp
    mov eax, [esp + 4]
    mov [R_GATE_RET_CS], eax
    mov eax, [esp + 8]
    mov [R_GATE_PARAM], eax
    mov eax, [esp + 12]
    mov [R_GATE_OLD_ESP], eax
    mov eax, [esp + 16]
    mov [R_GATE_OLD_SS], eax
    retf 4

; INT 0x20 from CPL 3: EIP, CS, EFLAGS, ESP, SS on the TSS stack. Records
; them and carries on at CPL 0.
pm_user_int:
    mov eax, [esp + 4]
    mov [R_INT_CS], eax
    mov eax, [esp + 12]
    mov [R_INT_ESP], eax
    mov eax, [esp + 16]
    mov [R_INT_SS], eax
    mov ax, cs
    mov [R_INT_HCS], ax
    mov ax, ss
    mov [R_INT_HSS], ax
    mov ax, KDATA
    mov ds, ax
    mov es, ax
    mov esp, RING0_STACK
    mov dword [R_DONE], 0x600d
    jmp pm_exit

; #GP/#NP: error code and EIP to [PM_RESULT], resume at [PM_RESUME].
pm_fault_with_error:
    push ebx
    mov ebx, [PM_RESULT]
    mov eax, [esp + 4]                  ; error code
    mov [ebx], eax
    mov eax, [esp + 8]                  ; EIP
    mov [ebx + 4], eax
    mov eax, [PM_RESUME]
    mov [esp + 8], eax
    pop ebx
    add esp, 4                          ; drop the error code
    iretd

PM_STUB_SIZE equ 7
pm_stubs:
%assign v 0
%rep 32
    push dword v + 1
    jmp near pm_unexpected
%assign v v + 1
%endrep
%if ($ - pm_stubs) != PM_STUB_SIZE * 32
%error "protected-mode stubs are not 7 bytes each"
%endif

pm_stray:
    push dword 0xff + 1
pm_unexpected:
    mov ax, KDATA
    mov ds, ax
    pop eax
    mov [R_UNEXPECTED], eax
    ; fall through to pm_exit

; Back to real mode (SDM Vol 3A §9.9.2): a 16-bit code segment, 64 KiB data
; segments, PE cleared, a far jump to a real-mode CS.
pm_exit:
    jmp RCODE16:pm16_exit

[bits 16]
pm16_exit:
    mov ax, RDATA16
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov gs, ax
    mov ss, ax
    mov eax, cr0
    and al, 0xfe
    mov cr0, eax
    jmp ROM_SEG:real_again

    ROM_END
