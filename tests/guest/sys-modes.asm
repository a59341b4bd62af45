; sys-modes.asm - system instructions from the reset state: CR0 through MOV CR0,
; SMSW, LMSW and CLTS; LGDT/SGDT (and the 24-bit base of the 16-bit forms); MSRs
; (EFER, PAT, MTRRCAP, SYSENTER_CS, TSC_AUX) and RDTSC; DR0/DR7 and DR6; then the
; switch to 32-bit protected mode by the textbook sequence (LGDT, MOV CR0.PE, far
; jump), a few protected-mode-only instructions there (LAR, LSL, VERW, ARPL, STR), a
; far jump to a 16-bit code segment and the way back to real mode (clear PE, far
; jump), where the BIOS-style environment (IVT, real-mode segments) works again.
;
; Protected-mode code cannot use the (real-mode) library, so it leaves its results
; in RAM at PM_RESULTS and the real-mode code checks them afterwards. Interrupts stay
; disabled while the IDTR still describes the real-mode IVT.
%include "lib.inc"

PM_RESULTS      equ TEST_DATA + 0x100   ; results written by the protected-mode code
PM_MARK         equ PM_RESULTS + 0      ; dword: written through the flat data segment
PM_CR0          equ PM_RESULTS + 4      ; dword: CR0 read in protected mode
PM_LAR          equ PM_RESULTS + 8      ; dword: LAR of the 32-bit code segment
PM_LSL          equ PM_RESULTS + 12     ; dword: LSL of the flat data segment
PM_VERW_CODE    equ PM_RESULTS + 16     ; dword: EFLAGS after VERW of the code segment
PM_VERW_DATA    equ PM_RESULTS + 20     ; dword: EFLAGS after VERW of the data segment
PM_ARPL         equ PM_RESULTS + 24     ; dword: ARPL result (low word) ...
PM_ARPL_FLAGS   equ PM_RESULTS + 28     ; dword: ... and EFLAGS
PM_PUSH_DELTA   equ PM_RESULTS + 32     ; dword: ESP change of a PUSH in 32-bit code
PM_STR          equ PM_RESULTS + 36     ; dword: STR into a 32-bit register
PM_CS16         equ PM_RESULTS + 40     ; word: CS seen by the 16-bit protected-mode code
DT_IMAGE        equ TEST_DATA           ; SGDT/SIDT images

; GDT selectors
SEL_CODE32      equ 0x08                ; 32-bit code, base F0000h, limit FFFFh
SEL_DATA32      equ 0x10                ; flat 32-bit data, 4 GiB
SEL_CODE16      equ 0x18                ; 16-bit code, base F0000h, limit FFFFh
SEL_DATA16      equ 0x20                ; 16-bit data, base 0, limit FFFFh (real-mode-like)

start:
    TEST_INIT

; ------------------------------------------------------------------- CR0
    AREA "cr0 at reset"
    smsw ax
    and ax, 0x003f
    CHECK "smsw: PE clear, ET set", ax, 0x0010
    mov eax, cr0
    mov [LIB_SCRATCH], eax
    mov ax, [LIB_SCRATCH + 2]
    and ax, 0x6000
    CHECK "cr0: CD and NW set", ax, 0x6000

    AREA "mov cr0, lmsw, clts"
    mov eax, cr0
    or eax, 0x0000000a                  ; MP, TS
    mov cr0, eax
    smsw ax
    and ax, 0x000f
    CHECK "mov cr0 sets MP and TS", ax, 0x000a
    clts
    smsw ax
    and ax, 0x000f
    CHECK "clts clears TS", ax, 0x0002
    mov ax, 0x0008                      ; TS only: MP is cleared
    lmsw ax
    smsw ax
    and ax, 0x000f
    CHECK "lmsw loads MP/EM/TS", ax, 0x0008
    mov ax, 0
    lmsw ax
    smsw ax
    and ax, 0x000f
    CHECK "lmsw clears them", ax, 0x0000

; -------------------------------------------------------- GDTR and IDTR
    AREA "sidt at reset"
    o32 sidt [DT_IMAGE]
    CHECK "idt limit", word [DT_IMAGE], 0xffff
    CHECK "idt base low", word [DT_IMAGE + 2], 0x0000
    CHECK "idt base high", word [DT_IMAGE + 4], 0x0000

    AREA "lgdt/sgdt"
    o32 lgdt [cs:pdesc_test]
    mov dword [DT_IMAGE], 0xffffffff
    mov dword [DT_IMAGE + 4], 0xffffffff
    o32 sgdt [DT_IMAGE]
    CHECK "o32 sgdt limit", word [DT_IMAGE], 0x1234
    CHECK "o32 sgdt base low", word [DT_IMAGE + 2], 0x5678
    CHECK "o32 sgdt base high", word [DT_IMAGE + 4], 0x9abc
    CHECK "6 bytes stored", word [DT_IMAGE + 6], 0xffff
    ; 16-bit operand size: 24 bits of base, the 6th byte stored as 0
    sgdt [DT_IMAGE]
    CHECK "o16 sgdt base high", word [DT_IMAGE + 4], 0x00bc
    lgdt [cs:pdesc_test]
    o32 sgdt [DT_IMAGE]
    CHECK "o16 lgdt keeps 24 bits", word [DT_IMAGE + 4], 0x00bc

; ------------------------------------------------------------------ MSRs
    AREA "msr"
    mov ecx, 0xc0000080                 ; EFER
    rdmsr
    CHECK "efer at reset", ax, 0x0000
    mov eax, 1                          ; SCE
    xor edx, edx
    wrmsr
    rdmsr
    CHECK "efer.sce", ax, 0x0001
    xor eax, eax
    wrmsr
    mov ecx, 0x277                      ; PAT, reset value 0007040600070406h
    rdmsr
    CHECKD "pat low", eax, 0x00070406
    CHECKD "pat high", edx, 0x00070406
    mov ecx, 0xfe                       ; MTRRCAP: 8 variable ranges, fixed, WC
    rdmsr
    CHECK "mtrrcap", ax, 0x0508
    mov ecx, 0x174                      ; SYSENTER_CS
    mov eax, 0x0010
    xor edx, edx
    wrmsr
    xor eax, eax
    rdmsr
    CHECK "sysenter_cs", ax, 0x0010
    mov ecx, 0xc0000103                 ; TSC_AUX
    mov eax, 0x00abcdef
    wrmsr
    xor eax, eax
    rdmsr
    CHECKD "tsc_aux", eax, 0x00abcdef

    AREA "rdtsc"
    rdtsc
    mov esi, eax
    mov edi, edx
    mov cx, 200
.spin:
    loop .spin
    rdtsc
    sub eax, esi
    sbb edx, edi
    CHECK "tsc high part of the delta", dx, 0
    cmp eax, 0
    jne .tsc_ok
    FAIL_NOW "tsc did not advance"
.tsc_ok:

; ----------------------------------------------------- debug registers
    AREA "debug registers"
    mov eax, 0x12345678
    mov dr0, eax
    xor eax, eax
    mov eax, dr0
    CHECKD "dr0", eax, 0x12345678
    mov eax, 0x00010003                 ; L0, G0, write breakpoint (never hit)
    mov dr7, eax
    mov eax, dr7
    CHECKD "dr7: bit 10 reads 1", eax, 0x00010403
    xor eax, eax
    mov dr7, eax
    mov eax, dr6
    CHECKD "dr6 at reset", eax, 0xffff0ff0

; ---------------------------------------------------- protected mode
    AREA "enter protected mode"
    cli
    o32 lgdt [cs:pdesc_gdt]
    mov eax, cr0
    or eax, 1
    mov cr0, eax
    jmp dword SEL_CODE32:pm32           ; loads CS: 32-bit code from here on

; Back from protected mode (see pm16), in real mode with CS = F000h.
rm_back:
    mov ax, 0
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov sp, STACK_TOP
    CHECK "cs after the 16-bit segment", word [PM_CS16], SEL_CODE16
    mov eax, [PM_MARK]
    CHECKD "flat data write", eax, 0xc0ffee32
    mov eax, [PM_CR0]
    CHECKD "cr0 in protected mode", eax, 0x60000011

    AREA "32-bit protected mode"
    mov eax, [PM_LAR]
    CHECKD "lar code32", eax, 0x00409b00
    mov eax, [PM_LSL]
    CHECKD "lsl flat data", eax, 0xffffffff
    mov ax, [PM_VERW_CODE]
    and ax, F_ZF
    CHECK "verw code: not writable", ax, 0
    mov ax, [PM_VERW_DATA]
    and ax, F_ZF
    CHECK "verw data: writable", ax, F_ZF
    CHECK "arpl raises rpl", word [PM_ARPL], SEL_DATA32 | 3
    mov ax, [PM_ARPL_FLAGS]
    and ax, F_ZF
    CHECK "arpl sets zf", ax, F_ZF
    mov eax, [PM_PUSH_DELTA]
    CHECKD "push in 32-bit code", eax, 4
    mov eax, [PM_STR]
    CHECKD "str: no task register", eax, 0

    AREA "back in real mode"
    smsw ax
    and ax, 1
    CHECK "pe clear", ax, 0
    ; The IVT works again: INT 0x40 through a real-mode vector.
    SET_VECTOR 0x40, int40_handler
    mov bx, 0
    int 0x40
    CHECK "int 0x40 handler ran", bx, 0x4040
    ; A real-mode segment load computes base = selector * 16 again.
    mov ax, 0x0100
    mov ds, ax
    mov word [0], 0xbeef
    mov ax, 0
    mov ds, ax
    CHECK "real-mode segment base", word [0x1000], 0xbeef

    FINISH

int40_handler:
    mov bx, 0x4040
    iret

; ------------------------------------------------- 32-bit protected mode
[bits 32]
pm32:
    mov ax, SEL_DATA32
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov esp, STACK_TOP
    mov dword [PM_MARK], 0xc0ffee32
    mov eax, cr0
    mov [PM_CR0], eax
    mov ebx, SEL_CODE32
    mov eax, 0xffffffff
    lar eax, bx
    mov [PM_LAR], eax
    mov ebx, SEL_DATA32
    lsl eax, bx
    mov [PM_LSL], eax
    mov bx, SEL_CODE32
    verw bx
    pushfd
    pop dword [PM_VERW_CODE]
    mov bx, SEL_DATA32
    verw bx
    pushfd
    pop dword [PM_VERW_DATA]
    mov ax, SEL_DATA32                  ; RPL 0 ...
    mov bx, 3                           ; ... raised to 3
    arpl ax, bx
    pushfd
    pop dword [PM_ARPL_FLAGS]
    mov [PM_ARPL], eax
    mov ecx, esp
    push eax
    sub ecx, esp
    pop eax
    mov [PM_PUSH_DELTA], ecx
    mov ebx, 0xffffffff
    str ebx
    mov [PM_STR], ebx
    jmp SEL_CODE16:pm16                 ; far jump to 16-bit protected-mode code

; ------------------------------------------------- 16-bit protected mode
[bits 16]
pm16:
    mov [PM_CS16], cs
    ; Real-mode-like limits and attributes before PE goes (SDM 3A §9.9.2).
    mov ax, SEL_DATA16
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov eax, cr0
    and eax, 0xfffffffe
    mov cr0, eax
    jmp ROM_SEG:rm_back                 ; real-mode CS

; ------------------------------------------------------------------ data
; The GDT lives in the ROM; the accessed bits are preset (a ROM cannot take the
; processor's write).
align 8
gdt:
    dq 0                                ; null
    dw 0xffff, 0x0000                   ; 08: code32, base F0000h, limit FFFFh
    db 0x0f, 0x9b, 0x40, 0x00
    dw 0xffff, 0x0000                   ; 10: data32, flat, 4 GiB
    db 0x00, 0x93, 0xcf, 0x00
    dw 0xffff, 0x0000                   ; 18: code16, base F0000h, limit FFFFh
    db 0x0f, 0x9b, 0x00, 0x00
    dw 0xffff, 0x0000                   ; 20: data16, base 0, limit FFFFh
    db 0x00, 0x93, 0x00, 0x00
gdt_end:

pdesc_gdt:
    dw gdt_end - gdt - 1
    dd 0xf0000 + gdt
pdesc_test:
    dw 0x1234
    dd 0x9abc5678

    ROM_END
