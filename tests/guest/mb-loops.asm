; mb-loops.asm - loops that jump back to the start of their own block. The
; translator keeps such a loop inside one compiled block (the guest registers
; it uses most stay in host registers across iterations, tcg/x86_64/regalloc.c),
; so each check here compares a loop with the same work done one iteration per
; call (blocks that end at every CALL and RET), or with what the SDM says:
;   - a loop over all general registers with loads and stores;
;   - a loop whose exit is taken in the middle of its block (a Jcc out);
;   - a loop that patches its own code: the next iteration runs the new code
;     (SDM Vol 3A §11.6, self-modifying code);
;   - REP MOVSD / REP STOSD (loops inside one instruction).
%include "lib32.inc"

ITERATIONS  equ 1000

; Initial registers for both versions of the mixing loop.
%macro MIX_INIT 1
    mov eax, 0x12345678
    mov ebx, 0x9abcdef0
    mov edx, 0x0f1e2d3c
    mov esi, %1
    mov edi, 7
    mov ebp, 0x55aa55aa
%endmacro

; One iteration of the mixing loop: every register, a load and a store.
%macro MIX_BODY 0
    add eax, ebx
    rol ebx, 5
    xor edx, eax
    mov ebp, [esi + edi * 4]
    add ebp, edx
    mov [esi + edi * 4], ebp
    inc edi
    and edi, 15
    sub ebx, ebp
    lea eax, [eax + ebp * 2 + 3]
%endmacro

%macro SAVE_MIX 1
    mov [%1 + 0], eax
    mov [%1 + 4], ebx
    mov [%1 + 8], edx
    mov [%1 + 12], edi
    mov [%1 + 16], ebp
%endmacro

start:
    AREA "loop over all registers"
    MIX_INIT buf_a
    mov ecx, ITERATIONS
    jmp .mix_loop
.mix_loop:
    MIX_BODY
    dec ecx
    jnz .mix_loop
    SAVE_MIX regs_a
    MIX_INIT buf_b
    mov ecx, ITERATIONS
.mix_ref:
    call mix_once
    dec ecx
    jnz .mix_ref
    SAVE_MIX regs_b
    mov ecx, 5
    mov esi, regs_a
    mov edi, regs_b
    repe cmpsd
    CHECK "registers", ecx, 0
    mov ecx, 16
    mov esi, buf_a
    mov edi, buf_b
    repe cmpsd
    CHECK "memory", ecx, 0
    CHECK "a register", [regs_a + 12], (ITERATIONS + 7) % 16

    AREA "exit in the middle"
    ; Finds the first word equal to 0x33 in words[]: the loop leaves by a Jcc
    ; in the middle of its block and goes back to its start at the bottom.
    mov esi, words
    xor ecx, ecx
    jmp .find
.find:
    mov eax, [esi + ecx * 4]
    cmp eax, 0x33
    je .found
    inc ecx
    jmp .find
.found:
    CHECK "index", ecx, 5

    AREA "loop patching its own code"
    xor eax, eax
    mov ecx, 3
    jmp .patched
.patched:
    add eax, 1                          ; 83 c0 01: the immediate is byte 2
    mov byte [.patched + 2], 5
    dec ecx
    jnz .patched
    CHECK "sum", eax, 1 + 5 + 5

    AREA "rep movs and stos"
    mov edi, buf_c
    mov ecx, 16
    mov eax, 0xdeadbeef
    cld
    rep stosd
    CHECK "stos count", ecx, 0
    CHECK "stos last", [buf_c + 60], 0xdeadbeef
    mov esi, buf_a
    mov edi, buf_c
    mov ecx, 16
    rep movsd
    CHECK "movs count", ecx, 0
    mov ecx, 16
    mov esi, buf_a
    mov edi, buf_c
    repe cmpsd
    CHECK "movs copy", ecx, 0
    FINISH

mix_once:
    MIX_BODY
    ret

align 4
words:      dd 0x10, 0x11, 0x22, 0x34, 0x32, 0x33, 0x33, 0x99
regs_a:     times 5 dd 0                ; eax, ebx, edx, edi, ebp
regs_b:     times 5 dd 0
buf_a:      dd 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16
buf_b:      dd 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16
buf_c:      times 16 dd 0

    KERNEL_END
