; control.asm - control transfer: jcc for all 16 conditions (short and
; near forms, taken and not taken), jmp short/near/far, call/ret (with
; ret imm16), far call/retf, loop/loope/loopne/jcxz, int n/iret (the frame
; pushed, and FLAGS restored by iret), and a pushf/popf round trip.
%include "lib.inc"

; RAM used by the interrupt handlers and far targets (segment 0).
INT_IP          equ TEST_DATA + 0x100
INT_CS          equ TEST_DATA + 0x102
INT_FLAGS       equ TEST_DATA + 0x104   ; FLAGS image pushed by INT
INT_FLAGS_IN    equ TEST_DATA + 0x106   ; FLAGS inside the handler
INT_COUNT       equ TEST_DATA + 0x108
FAR_CS          equ TEST_DATA + 0x10a   ; CS seen by a far target
FAR_RET_IP      equ TEST_DATA + 0x10c
FAR_RET_CS      equ TEST_DATA + 0x10e
SP_BEFORE       equ TEST_DATA + 0x110

; The ROM also appears at EF00:1000-EF00:FFFF (linear F0000-FFFFF), so a
; far transfer to ALIAS_SEG:label + ALIAS_DELTA lands on the same code with
; another CS.  (Code run that way must not use CHECK: lib reads its names
; through CS.)
ALIAS_SEG       equ 0xEF00
ALIAS_DELTA     equ 0x1000

; JCC_EXPECT cc, flags: jcc_taken = 1 when jcc jumps with FLAGS = flags
; (SDM Vol 2A "Jcc", Table of conditions).
%macro JCC_EXPECT 2
    %assign jf_c ((%2) & F_CF) != 0
    %assign jf_z ((%2) & F_ZF) != 0
    %assign jf_s ((%2) & F_SF) != 0
    %assign jf_o ((%2) & F_OF) != 0
    %assign jf_p ((%2) & F_PF) != 0
    %ifidn %1, o
        %assign jcc_taken jf_o
    %elifidn %1, no
        %assign jcc_taken !jf_o
    %elifidn %1, b
        %assign jcc_taken jf_c
    %elifidn %1, ae
        %assign jcc_taken !jf_c
    %elifidn %1, e
        %assign jcc_taken jf_z
    %elifidn %1, ne
        %assign jcc_taken !jf_z
    %elifidn %1, be
        %assign jcc_taken jf_c || jf_z
    %elifidn %1, a
        %assign jcc_taken !jf_c && !jf_z
    %elifidn %1, s
        %assign jcc_taken jf_s
    %elifidn %1, ns
        %assign jcc_taken !jf_s
    %elifidn %1, p
        %assign jcc_taken jf_p
    %elifidn %1, np
        %assign jcc_taken !jf_p
    %elifidn %1, l
        %assign jcc_taken jf_s != jf_o
    %elifidn %1, ge
        %assign jcc_taken jf_s == jf_o
    %elifidn %1, le
        %assign jcc_taken jf_z || (jf_s != jf_o)
    %elifidn %1, g
        %assign jcc_taken !jf_z && (jf_s == jf_o)
    %else
        %error unknown condition %1
    %endif
%endmacro

; JCC_CASE cc, form, flags: FLAGS = flags, then "jcc form target"; AX
; records whether it jumped.
%macro JCC_CASE 3
    JCC_EXPECT %1, %3
    %defstr JCC_NAME j%1 %2 flags=%3
    push word %3
    popf
    mov ax, 0
    j%1 %2 %%taken
    jmp short %%check
%%taken:
    mov ax, 1
%%check:
    CHECK JCC_NAME, ax, jcc_taken
%endmacro

; JCC_ALL form, flags: the 16 conditions (opcodes 70-7F / 0F 80-8F).
%macro JCC_ALL 2
    JCC_CASE o, %1, %2
    JCC_CASE no, %1, %2
    JCC_CASE b, %1, %2
    JCC_CASE ae, %1, %2
    JCC_CASE e, %1, %2
    JCC_CASE ne, %1, %2
    JCC_CASE be, %1, %2
    JCC_CASE a, %1, %2
    JCC_CASE s, %1, %2
    JCC_CASE ns, %1, %2
    JCC_CASE p, %1, %2
    JCC_CASE np, %1, %2
    JCC_CASE l, %1, %2
    JCC_CASE ge, %1, %2
    JCC_CASE le, %1, %2
    JCC_CASE g, %1, %2
%endmacro

start:
    TEST_INIT

    AREA "jcc short"
    JCC_ALL short, 0
    JCC_ALL short, F_CF
    JCC_ALL short, F_ZF
    JCC_ALL short, F_SF
    JCC_ALL short, F_OF
    JCC_ALL short, F_PF
    JCC_ALL short, F_SF|F_OF
    JCC_ALL short, F_CF|F_ZF
    JCC_ALL short, F_ZF|F_SF
    JCC_ALL short, F_CF|F_PF|F_AF|F_ZF|F_SF|F_OF

    AREA "jcc near"
    JCC_ALL near, 0
    JCC_ALL near, F_CF|F_ZF
    JCC_ALL near, F_SF
    JCC_ALL near, F_OF|F_PF
    JCC_ALL near, F_CF|F_PF|F_AF|F_ZF|F_SF|F_OF

    AREA "jcc backwards"
    ; Negative displacements, short (rel8) and near (rel16).
    mov cx, 3
    mov ax, 0
.back_short:
    add ax, 1
    sub cx, 1
    jnz short .back_short
    CHECK "jnz short backwards", ax, 3
    mov cx, 3
    mov ax, 0
.back_near:
    add ax, 1
    times 130 nop
    sub cx, 1
    jnz near .back_near
    CHECK "jnz near backwards", ax, 3

    AREA "jmp"
    mov ax, 0
    jmp short .short_target
    mov ax, 0xbad
.short_target:
    CHECK "jmp short", ax, 0
    jmp near .near_target
    ; If the jump falls short, the int3 filler reports an unexpected vector.
    times 300 db 0xcc
.near_target:
    mov bx, 1
    CHECK "jmp near", bx, 1
    jmp short .skip_back_target
.back_target:
    mov bx, 2
    jmp short .after_back
.skip_back_target:
    jmp near .back_target
.after_back:
    CHECK "jmp near backwards", bx, 2

    ; Far jump to the same code through another CS (EA ptr16:16).
    mov word [FAR_CS], 0
    jmp ALIAS_SEG:far_jmp_target + ALIAS_DELTA
far_jmp_back:
    CHECK "jmp far: CS at the target", word [FAR_CS], ALIAS_SEG
    mov ax, cs
    CHECK "jmp far back: CS", ax, ROM_SEG

    AREA "call/ret"
    mov [SP_BEFORE], sp
    mov ax, 0
    call near_proc
near_proc_return:
    CHECK "call/ret: proc ran", ax, 0x1111
    CHECK "call: pushed IP", bx, near_proc_return
    mov ax, sp
    CHECK "call/ret: sp balanced", ax, [SP_BEFORE]
    ; ret imm16 (C2) pops the arguments too.
    push word 0x0030
    push word 0x0004
    call sub_args_proc
    CHECK "ret 4: result", ax, 0x002c
    mov ax, sp
    CHECK "ret 4: sp balanced", ax, [SP_BEFORE]
    ; A call whose target is behind the caller (negative rel16).
    call back_proc
    CHECK "call backwards", ax, 0x2222

    AREA "far call/retf"
    mov [SP_BEFORE], sp
    mov ax, 0
    call ROM_SEG:far_proc
far_call_return:
    CHECK "call far: proc ran", ax, 0x3333
    CHECK "call far: pushed IP", word [FAR_RET_IP], far_call_return
    CHECK "call far: pushed CS", word [FAR_RET_CS], ROM_SEG
    mov ax, sp
    CHECK "call far/retf: sp balanced", ax, [SP_BEFORE]
    ; Through the alias: CS changes for the callee, retf restores it.
    mov word [FAR_CS], 0
    call ALIAS_SEG:far_alias_proc + ALIAS_DELTA
    CHECK "call far alias: callee CS", word [FAR_CS], ALIAS_SEG
    mov ax, cs
    CHECK "retf: CS restored", ax, ROM_SEG
    ; retf imm16 (CA).
    push word 0x1234
    push word 0x5678
    call ROM_SEG:far_args_proc
    CHECK "retf 4: result", ax, 0x68ac
    mov ax, sp
    CHECK "retf 4: sp balanced", ax, [SP_BEFORE]

    AREA "loop/loope/loopne/jcxz"
    ; LOOP decrements CX and jumps while CX != 0; no flag changes.
    mov cx, 5
    push word F_ZF | F_CF
    popf
.loop5:
    loop .loop5
    CHECKF "loop keeps flags", F_ARITH, F_ZF | F_CF
    CHECK "loop x5: cx", cx, 0
    mov cx, 4
    mov ax, 0
.count4:
    add ax, 1
    loop .count4
    CHECK "loop x4: body count", ax, 4
    ; CX = 0 means 65536 iterations (decrement first, then test).
    mov cx, 0
    mov ax, 0
    mov dx, 0
.count64k:
    add ax, 1
    adc dx, 0
    loop .count64k
    CHECK "loop cx=0: iterations (high)", dx, 1
    CHECK "loop cx=0: iterations (low)", ax, 0
    ; LOOPE: continue while ZF = 1 ("aaab": stops on 'b', 4th byte).
    mov si, loop_data_aaab
    mov cx, 10
.loope_scan:
    mov al, [cs:si]
    add si, 1
    cmp al, 'a'
    loope .loope_scan
    CHECKF "loope stop: ZF", F_ZF, 0
    CHECK "loope stop: cx", cx, 6
    ; LOOPE also ends when CX runs out while ZF = 1.
    mov si, loop_data_aaab
    mov cx, 2
.loope_run_out:
    mov al, [cs:si]
    add si, 1
    cmp al, 'a'
    loope .loope_run_out
    CHECKF "loope run out: ZF", F_ZF, F_ZF
    CHECK "loope run out: si", si, loop_data_aaab + 2
    ; LOOPNE: continue while ZF = 0 ("abcxyz": stops on 'x', 4th byte).
    mov si, loop_data_abcxyz
    mov cx, 10
.loopne_scan:
    mov al, [cs:si]
    add si, 1
    cmp al, 'x'
    loopne .loopne_scan
    CHECKF "loopne stop: ZF", F_ZF, F_ZF
    CHECK "loopne stop: cx", cx, 6
    mov si, loop_data_abcxyz
    mov cx, 3
.loopne_run_out:
    mov al, [cs:si]
    add si, 1
    cmp al, 'x'
    loopne .loopne_run_out
    CHECKF "loopne run out: ZF", F_ZF, 0
    CHECK "loopne run out: cx", cx, 0
    ; JCXZ looks at CX only, not at ZF.
    mov cx, 0
    push word 0
    popf
    mov ax, 0
    jcxz .cx_zero
    mov ax, 0xbad
.cx_zero:
    CHECK "jcxz cx=0 taken", ax, 0
    mov cx, 1
    push word F_ZF
    popf
    mov ax, 0
    jcxz .cx_nonzero
    mov ax, 1
.cx_nonzero:
    CHECK "jcxz cx=1 not taken", ax, 1

    AREA "int n/iret"
    SET_VECTOR 0x40, int40_handler
    mov word [INT_COUNT], 0
    mov [SP_BEFORE], sp
    ; DF is left set on purpose: INT clears IF and TF only.
    push word F_ZF | F_SF | F_DF
    popf
    mov bx, 0
    int 0x40
int40_return:
    ; The handler set CF in the pushed FLAGS image: iret must restore it.
    CHECKF "iret restores FLAGS", F_ARITH | F_DF | F_IF | F_TF, F_ZF | F_SF | F_DF | F_CF
    cld
    CHECK "int 0x40: handler ran", word [INT_COUNT], 1
    CHECK "int 0x40: handler result", bx, 0x4040
    CHECK "int: pushed IP", word [INT_IP], int40_return
    CHECK "int: pushed CS", word [INT_CS], ROM_SEG
    CHECK "int: pushed FLAGS", word [INT_FLAGS], 0x0002 | F_ZF | F_SF | F_DF
    CHECK "int: FLAGS in handler", word [INT_FLAGS_IN], 0x0002 | F_ZF | F_SF | F_DF
    mov ax, sp
    CHECK "int/iret: sp balanced", ax, [SP_BEFORE]
    ; A vector whose handler lives at another CS: INT loads CS:IP from the IVT.
    mov ax, ALIAS_SEG
    mov word [0x41 * 4], int41_handler + ALIAS_DELTA
    mov [0x41 * 4 + 2], ax
    mov word [FAR_CS], 0
    int 0x41
    CHECK "int 0x41: handler CS", word [FAR_CS], ALIAS_SEG
    mov ax, cs
    CHECK "iret: CS restored", ax, ROM_SEG

    AREA "pushf/popf"
    ; Bit 1 always reads 1; IF, TF and DF are left clear here.
    push word F_ARITH
    popf
    pushf
    pop ax
    CHECK "popf/pushf all status flags", ax, 0x0002 | F_ARITH
    push word 0
    popf
    pushf
    pop ax
    CHECK "popf/pushf zero", ax, 0x0002
    push word F_CF | F_ZF
    popf
    CHECKF "popf CF|ZF", F_ARITH, F_CF | F_ZF
    ; Reserved bits 3, 5 and 15 read 0 (SDM Vol 1 §3.4.3).
    push word 0x8028
    popf
    pushf
    pop ax
    CHECK "popf: reserved bits read fixed", ax, 0x0002
    push word 0
    popf

    FINISH

; ----------------------------------------------------------- helper code

; Runs as ALIAS_SEG:far_jmp_target + ALIAS_DELTA: records CS, jumps back.
far_jmp_target:
    mov ax, cs
    mov [FAR_CS], ax
    jmp ROM_SEG:far_jmp_back

near_proc:
    mov ax, 0x1111
    mov bp, sp
    mov bx, [bp]                    ; the return IP CALL pushed
    ret

; sub_args_proc(a, b) = a - b, arguments pushed a first; ret 4 pops them.
sub_args_proc:
    push bp
    mov bp, sp
    mov ax, [bp + 6]
    sub ax, [bp + 4]
    pop bp
    ret 4

back_proc:
    mov ax, 0x2222
    ret

far_proc:
    mov ax, 0x3333
    mov bp, sp
    mov bx, [bp]
    mov [FAR_RET_IP], bx
    mov bx, [bp + 2]
    mov [FAR_RET_CS], bx
    retf

; Runs as ALIAS_SEG:far_alias_proc + ALIAS_DELTA.
far_alias_proc:
    mov ax, cs
    mov [FAR_CS], ax
    retf

; far_args_proc(a, b) = a + b; retf 4 pops the arguments.
far_args_proc:
    push bp
    mov bp, sp
    mov ax, [bp + 8]
    add ax, [bp + 6]
    pop bp
    retf 4

; Stack at entry: IP, CS, FLAGS (SDM Vol 3A §20.1.4).
int40_handler:
    push bp
    push ax
    mov bp, sp
    mov ax, [bp + 4]
    mov [INT_IP], ax
    mov ax, [bp + 6]
    mov [INT_CS], ax
    mov ax, [bp + 8]
    mov [INT_FLAGS], ax
    pushf
    pop ax
    mov [INT_FLAGS_IN], ax
    or word [bp + 8], F_CF
    add word [INT_COUNT], 1
    mov bx, 0x4040
    pop ax
    pop bp
    iret

; Runs as ALIAS_SEG:int41_handler + ALIAS_DELTA.
int41_handler:
    push ax
    mov ax, cs
    mov [FAR_CS], ax
    pop ax
    iret

loop_data_aaab:     db "aaab"
loop_data_abcxyz:   db "abcxyz"

    ROM_END
