; mb-pmode.asm - 32-bit protected mode at CPL 0: descriptor-table registers
; (SGDT/SIDT/LGDT/LIDT, SLDT/LLDT, STR/LTR), data and stack segment loads
; (bases, the accessed bit, readable code, read-only and expand-down data, the
; B bit of stack segments), far jumps, calls and returns between 32- and
; 16-bit code segments, LAR/LSL/VERR/VERW/ARPL. Limit and write checks on
; data accesses are not tested: QEMU 7.2 does not make them.
%include "lib32.inc"

; Test descriptors (GDT selectors from FREE_SEL up)
CODE32B     equ 0x40                    ; 32-bit code, base KERNEL_BASE
DATA_BUF    equ 0x48                    ; data, base data_buf, limit 0xfff
DATA_RO     equ 0x50                    ; read-only data
CODE_XO     equ 0x58                    ; execute-only code
CODE_CONF   equ 0x60                    ; conforming readable code, DPL 0
LDT_SEL     equ 0x68                    ; LDT of 3 entries
TSS2        equ 0x70                    ; a second TSS for LTR
CALL_GATE   equ 0x78                    ; call gate (never called)
INT_GATE    equ 0x80                    ; interrupt-gate type in the GDT: not for LAR
EXPDOWN     equ 0x88                    ; expand-down data, limit 0xfff, B = 1
DATA_G      equ 0x90                    ; data, G = 1, limit 0x12
STACK16     equ 0x98                    ; stack, base stack_buf, B = 0
STACK32     equ 0xa0                    ; stack, base stack_buf, B = 1
DATA_NA     equ 0xa8                    ; data with the accessed bit clear
LDT_DATA    equ 0x08 | 4                ; LDT entry 1: data, base data_buf

start:
    SET_DESC CODE32B, KERNEL_BASE, 0xfffff, ACC_CODE_R | ACC_A, FL_DB
    SET_DESC DATA_BUF, data_buf, 0xfff, ACC_DATA_W | ACC_A, FL_DB
    SET_DESC DATA_RO, data_buf, 0xffff, ACC_P | ACC_DATA | ACC_A, FL_DB
    SET_DESC CODE_XO, 0, 0xfffff, ACC_P | ACC_CODE | ACC_A, FL_G | FL_DB
    SET_DESC CODE_CONF, 0, 0xfffff, ACC_CODE_R | ACC_CE | ACC_A, FL_G | FL_DB
    SET_DESC LDT_SEL, ldt_table, 3 * 8 - 1, ACC_P | SYS_LDT, 0
    SET_DESC TSS2, tss2, TSS_SIZE - 1, ACC_P | SYS_TSS32, 0
    SET_GDT_GATE CALL_GATE, KCODE, 0x1234, ACC_P | SYS_CALLGATE32, 0
    SET_GDT_GATE INT_GATE, KCODE, 0x1234, ACC_P | SYS_INTGATE32, 0
    SET_DESC EXPDOWN, 0, 0xfff, ACC_DATA_W | ACC_CE | ACC_A, FL_DB
    SET_DESC DATA_G, 0, 0x12, ACC_DATA_W | ACC_A, FL_G | FL_DB
    SET_DESC STACK16, stack_buf, 0xffff, ACC_DATA_W | ACC_A, 0
    SET_DESC STACK32, stack_buf, 0xffff, ACC_DATA_W | ACC_A, FL_DB
    SET_DESC DATA_NA, data_buf, 0xfff, ACC_DATA_W, FL_DB
    SET_DESC_AT ldt_table + 8, data_buf, 0xfff, ACC_DATA_W | ACC_A, FL_DB
    mov dword [data_buf + 0x10], 0x11223344
    mov dword [data_buf + 0xffc], 0x55667788

; ------------------------------------------------------------ GDTR / IDTR
    AREA "sgdt/sidt"
    mov dword [dt_buf], 0xffffffff
    mov dword [dt_buf + 4], 0xffffffff
    sgdt [dt_buf]
    movzx ecx, word [dt_buf]
    CHECK "sgdt limit", ecx, GDT_ENTRIES * 8 - 1
    CHECK "sgdt base", [dt_buf + 2], lib_gdt
    movzx ecx, word [dt_buf + 6]
    CHECK "sgdt stores 6 bytes", ecx, 0xffff
    sidt [dt_buf]
    movzx ecx, word [dt_buf]
    CHECK "sidt limit", ecx, 256 * 8 - 1
    CHECK "sidt base", [dt_buf + 2], lib_idt

    AREA "lgdt/lidt round trip"
    lgdt [gdtr_alt]
    sgdt [dt_buf]
    lgdt [lib_gdtr]
    movzx ecx, word [dt_buf]
    CHECK "lgdt limit", ecx, 0x00ff
    CHECK "lgdt base", [dt_buf + 2], 0x12345678
    ; SDM Vol 2A LGDT: with a 16-bit operand size only 24 bits of base load.
    o16 lgdt [gdtr_alt]
    sgdt [dt_buf]
    lgdt [lib_gdtr]
    CHECK "o16 lgdt base", [dt_buf + 2], 0x00345678
    lidt [gdtr_alt]
    sidt [dt_buf]
    lidt [lib_idtr]
    movzx ecx, word [dt_buf]
    CHECK "lidt limit", ecx, 0x00ff
    CHECK "lidt base", [dt_buf + 2], 0x12345678
    o16 lidt [gdtr_alt]
    sidt [dt_buf]
    lidt [lib_idtr]
    CHECK "o16 lidt base", [dt_buf + 2], 0x00345678

; ------------------------------------------------------------- LDTR / TR
    AREA "sldt/lldt"
    mov eax, 0xffffffff
    sldt eax                            ; the harness loaded a null LDTR
    CHECK "sldt null", eax, 0
    mov ax, LDT_SEL
    lldt ax
    ; SDM Vol 2B SLDT: a 32-bit register destination gets the selector
    ; zero-extended (P6 family and later).
    mov eax, 0xffffffff
    sldt eax
    CHECK "sldt reg32", eax, LDT_SEL
    mov dword [dt_buf], 0xffffffff
    sldt [dt_buf]
    CHECK "sldt m16", [dt_buf], 0xffff0000 | LDT_SEL
    mov ax, LDT_DATA                    ; a data segment from the LDT (TI = 1)
    mov fs, ax
    mov ebx, [fs:0x10]
    CHECK "read through ldt segment", ebx, 0x11223344
    mov ax, KDATA
    mov fs, ax
    xor eax, eax
    lldt ax
    sldt eax
    CHECK "lldt null", eax, 0

    AREA "str/ltr"
    mov eax, 0xffffffff
    str eax
    CHECK "str reg32", eax, TSS_SEL
    mov dword [dt_buf], 0xffffffff
    str [dt_buf]
    CHECK "str m16", [dt_buf], 0xffff0000 | TSS_SEL
    ; SDM Vol 2A LTR: marks the TSS busy
    mov ax, TSS2
    ltr ax
    str ecx
    CHECK "ltr new tss", ecx, TSS2
    movzx ecx, byte [lib_gdt + TSS2 + 5]
    CHECK "ltr sets busy", ecx, ACC_P | SYS_TSS32_BUSY
    EXPECT V_GP, .ltr_busy_done         ; LTR of a busy TSS: #GP(selector)
.ltr_busy:
    ltr ax
    NO_EXCEPTION
.ltr_busy_done:
    CHECK_EXC "ltr busy", V_GP, TSS2, .ltr_busy
    mov byte [lib_gdt + TSS_SEL + 5], ACC_P | SYS_TSS32
    mov ax, TSS_SEL
    ltr ax
    str ecx
    CHECK "ltr back", ecx, TSS_SEL

; ---------------------------------------------------------- data segments
    AREA "data segment loads"
    mov ax, DATA_BUF
    mov ds, ax
    mov ebx, [0x10]                     ; data_buf + 0x10
    mov dword [0x20], 0xcafef00d
    mov ecx, [0xffc]                    ; last dword inside the limit
    mov ax, KDATA
    mov ds, ax
    CHECK "read via base", ebx, 0x11223344
    CHECK "write via base", [data_buf + 0x20], 0xcafef00d
    CHECK "read at limit", ecx, 0x55667788
    ; The accessed bit is set by the load (SDM Vol 3A §3.4.5.1).
    mov ax, DATA_NA
    mov es, ax
    movzx ecx, byte [lib_gdt + DATA_NA + 5]
    CHECK "load sets accessed", ecx, ACC_DATA_W | ACC_A
    ; A readable code segment may be loaded into a data segment register.
    mov ax, KCODE
    mov es, ax
    mov ebx, [es:start]
    mov ecx, [start]
    CHECK "read via code segment", ebx, ecx
    mov ax, DATA_RO
    mov es, ax
    mov ebx, [es:0x10]
    CHECK "read-only read", ebx, 0x11223344
    xor eax, eax                        ; a null selector loads fine
    mov es, ax
    mov ebx, 0x12345678
    mov bx, es
    CHECK "null selector load", ebx, 0x12340000
    mov ax, CODE_XO                     ; execute-only code: #GP(selector)
    EXPECT V_GP, .xo_done
.xo:
    mov es, ax
    NO_EXCEPTION
.xo_done:
    CHECK_EXC "load execute-only code", V_GP, CODE_XO, .xo
    mov ax, KDATA
    mov es, ax

    AREA "expand-down"
    ; SDM Vol 3A §5.3: valid offsets are limit+1 .. 0xffffffff (B = 1); only
    ; a valid one is used (QEMU does not fault on the others)
    mov ax, EXPDOWN
    mov fs, ax
    mov dword [0x1000], 0x600dd00d
    mov ebx, [fs:0x1000]
    CHECK "above the limit", ebx, 0x600dd00d
    mov ax, KDATA
    mov fs, ax

    AREA "stack segments"
    mov ebp, esp
    mov ax, STACK32
    mov ss, ax
    mov esp, 0x800
    push dword 0x12345678
    mov ecx, esp
    pop edx
    mov ax, KDATA
    mov ss, ax
    mov esp, ebp
    CHECK "push via ss base", [stack_buf + 0x7fc], 0x12345678
    CHECK "esp after push", ecx, 0x7fc
    CHECK "pop", edx, 0x12345678
    ; SDM Vol 3A §3.4.5: B = 0 in the stack segment: pushes use SP only,
    ; the upper half of ESP is kept.
    mov ax, STACK16
    mov ss, ax
    mov esp, 0xabcd0800
    push dword 0x0badcafe
    mov ecx, esp
    mov ax, KDATA
    mov ss, ax
    mov esp, ebp
    CHECK "16-bit stack push", [stack_buf + 0x7fc], 0x0badcafe
    CHECK "16-bit stack esp", ecx, 0xabcd07fc

; ------------------------------------------------------ far control transfer
    AREA "far jmp"
    mov ebx, 0
    jmp KCODE16:(code16_jmp - KERNEL_BASE)
back_from_16:
    CHECK "cs in 16-bit code", ebx, KCODE16
    CHECK "16-bit code ran", ecx, 0x1616
    mov ebx, 0
    jmp far [far_ptr]                   ; m16:32
.indirect_target:
    mov bx, cs
    CHECK "indirect far jmp", ebx, KCODE
    jmp CODE32B:(.based - KERNEL_BASE)  ; a code segment with a base
.based:
    call .where                         ; EIP is relative to the base
.where:
    pop ecx
    mov bx, cs
    jmp KCODE:.flat_again
.flat_again:
    CHECK "cs with base", ebx, CODE32B
    CHECK "eip with base", ecx, .where - KERNEL_BASE

    AREA "far call/ret"
    mov edx, esp
    call KCODE16:(func16 - KERNEL_BASE)
.ret_here:
    mov ebp, esp
    CHECK "esp balanced", ebp, edx
    CHECK "pushed eip", ecx, .ret_here
    CHECK "pushed cs", ebx, KCODE
    push dword 0xaaaa
    push dword 0xbbbb
    call KCODE16:(func16_ret8 - KERNEL_BASE)
    mov ebp, esp
    CHECK "retf imm16", ebp, edx
    call far [far_call_ptr]
    mov ebp, esp
    CHECK "indirect far call", ecx, 0x5a5a
    CHECK "indirect far call esp", ebp, edx
    ; 16-bit code making a 16-bit far call to 32-bit code, which returns with
    ; a 16-bit RETF
    jmp KCODE16:(code16_caller - KERNEL_BASE)
back_from_caller16:
    CHECK "o16 call: callee cs", esi, CODE32B
    CHECK "o16 call: pushed ip", ecx, code16_caller.ret_ip - KERNEL_BASE
    CHECK "o16 call: pushed cs", edx, KCODE16
    CHECK "o16 call: 16-bit pushes", edi, 4

; ------------------------------------------------- LAR LSL VERR VERW ARPL
%macro LAR_OK 3                         ; name, selector, access rights
    mov ecx, %2
    mov ebx, 0
    lar ebx, ecx
    CHECKF {%1, " zf"}, F_ZF, F_ZF
    ; SDM Vol 2A LAR: bits 19:16 are undefined: masked off
    and ebx, 0x00f0ff00
    CHECK %1, ebx, %3
%endmacro
%macro LAR_BAD 2                        ; name, selector
    mov ecx, %2
    mov ebx, 0x5a5a5a5a
    lar ebx, ecx
    CHECKF {%1, " zf"}, F_ZF, 0
    CHECK {%1, " unchanged"}, ebx, 0x5a5a5a5a
%endmacro
%macro LSL_OK 3
    mov ecx, %2
    mov ebx, 0
    lsl ebx, ecx
    CHECKF {%1, " zf"}, F_ZF, F_ZF
    CHECK %1, ebx, %3
%endmacro
%macro LSL_BAD 2
    mov ecx, %2
    mov ebx, 0x5a5a5a5a
    lsl ebx, ecx
    CHECKF {%1, " zf"}, F_ZF, 0
    CHECK {%1, " unchanged"}, ebx, 0x5a5a5a5a
%endmacro
%macro VERIFY 4                         ; verr/verw, name, selector, want ZF
    mov ecx, %3
    %1 cx
    CHECKF %2, F_ZF, %4
%endmacro

    AREA "lar"
    LAR_OK "lar data", DATA_BUF, 0x00409300
    LAR_OK "lar exec-only code", CODE_XO, 0x00c09900
    LAR_OK "lar conforming rpl3", CODE_CONF | 3, 0x00c09f00
    LAR_OK "lar busy tss", TSS_SEL, 0x00008b00
    LAR_OK "lar ldt", LDT_SEL, 0x00008200
    LAR_OK "lar call gate", CALL_GATE, 0x00008c00
    LAR_BAD "lar int gate", INT_GATE
    LAR_BAD "lar dpl0 data rpl3", KDATA | 3
    LAR_BAD "lar null", 0
    LAR_BAD "lar beyond gdt limit", GDT_ENTRIES * 8

    AREA "lsl"
    LSL_OK "lsl flat g=1", KDATA, 0xffffffff
    LSL_OK "lsl byte granular", DATA_BUF, 0xfff
    LSL_OK "lsl g=1", DATA_G, 0x12fff
    LSL_OK "lsl tss", TSS_SEL, TSS_SIZE + IOMAP_BYTES
    LSL_OK "lsl ldt", LDT_SEL, 3 * 8 - 1
    LSL_BAD "lsl call gate", CALL_GATE
    LSL_BAD "lsl null", 0

    AREA "verr/verw"
    VERIFY verr, "verr data", DATA_BUF, F_ZF
    VERIFY verw, "verw data", DATA_BUF, F_ZF
    VERIFY verr, "verr read-only", DATA_RO, F_ZF
    VERIFY verw, "verw read-only", DATA_RO, 0
    VERIFY verr, "verr exec-only", CODE_XO, 0
    VERIFY verr, "verr readable code", KCODE, F_ZF
    VERIFY verw, "verw readable code", KCODE, 0
    VERIFY verr, "verr conforming rpl3", CODE_CONF | 3, F_ZF
    VERIFY verr, "verr dpl0 data rpl3", KDATA | 3, 0
    VERIFY verr, "verr tss", TSS_SEL, 0
    VERIFY verr, "verr null", 0, 0
    VERIFY verw, "verw beyond gdt limit", GDT_ENTRIES * 8, 0

    AREA "arpl"
    mov eax, 0xffff0010
    mov ebx, 0x0003
    arpl ax, bx
    CHECKF "arpl raises zf", F_ZF, F_ZF
    CHECK "arpl raises rpl", eax, 0xffff0013
    mov ebx, 0x0001
    arpl ax, bx
    CHECKF "arpl keeps zf", F_ZF, 0
    CHECK "arpl keeps rpl", eax, 0xffff0013

    FINISH

; ---------------------------------------------------------------- 16-bit code
; KCODE16 has base KERNEL_BASE: these must sit in the first 64 KiB of the image.
[bits 16]
code16_jmp:
    mov bx, cs
    mov ecx, 0x1616
    jmp dword KCODE:back_from_16        ; 32-bit far jump from 16-bit code

func16:                                 ; called with a 32-bit far call
    mov ecx, [esp]                      ; SS is 32-bit: ESP addresses the stack
    movzx ebx, word [esp + 4]
    o32 retf

func16_ret8:
    o32 retf 8

code16_caller:
    mov edi, esp
    call CODE32B:(func32_o16 - KERNEL_BASE)
.ret_ip:
    jmp dword KCODE:back_from_caller16

[bits 32]
func32_o16:                             ; runs with CS base KERNEL_BASE
    movzx ecx, word [esp]
    movzx edx, word [esp + 2]
    mov esi, 0
    mov si, cs
    sub edi, esp                        ; bytes the 16-bit far call pushed
    o16 retf

func32_far:
    mov ecx, 0x5a5a
    retf

; ------------------------------------------------------------------- data
align 4
far_ptr:      dd back_from_16.indirect_target
              dw KCODE
far_call_ptr: dd func32_far
              dw KCODE
gdtr_alt:     dw 0x00ff
              dd 0x12345678
dt_buf:       dd 0, 0

align 8
ldt_table:    times 3 dq 0

align 16
tss2:         times TSS_SIZE db 0
data_buf:     times 0x1000 db 0
stack_buf:    times 0x800 db 0

    KERNEL_END
