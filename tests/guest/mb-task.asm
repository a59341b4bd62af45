; mb-task.asm - hardware task switches (SDM Vol 3A chapter 8): JMP and CALL
; to a TSS descriptor and through task gates (GDT and IDT), IRET back with NT,
; busy bits, the previous-task link, CR0.TS, the state saved in the outgoing
; TSS, and a double fault handled by a task.
;
; Task A is the harness's task (TSS_SEL, lib_tss); task B and the #DF task
; run the same flat code and data segments on their own stacks.
%include "lib32.inc"

TSS_B           equ 0x40
TSS_DF          equ 0x48
TASK_GATE       equ 0x50                ; GDT task gate to TSS_B
TSS_SHORT       equ 0x58                ; TSS descriptor with a limit < 0x67
TSS_ABSENT      equ 0x60                ; TSS descriptor with P = 0
VEC_TASK        equ 0x60                ; IDT task gate to TSS_B
TASK_B_STACK    equ TEST_RAM + 0x1000
TASK_DF_STACK   equ TEST_RAM + 0x2000
B_EAX           equ 0xb0b0b0b0          ; EAX image in TSS B
CR0_TS          equ 1 << 3

start:
    SET_DESC TSS_DF, tss_df, TSS_SIZE - 1, ACC_P | SYS_TSS32, 0
    SET_GDT_GATE TASK_GATE, TSS_B, 0, ACC_P | SYS_TASKGATE, 0
    SET_IDT_GATE VEC_TASK, TSS_B, 0, ACC_P | SYS_TASKGATE
    SET_DESC TSS_SHORT, tss_b, 0x66, ACC_P | SYS_TSS32, 0
    SET_DESC TSS_ABSENT, tss_b, TSS_SIZE - 1, SYS_TSS32, 0

; --------------------------------------------------------------------- JMP
    AREA "jmp to a tss"
    mov eax, task_b_jmp
    call init_task_b
    mov ebx, 0x1234abcd
    mov esi, 0x5678cdef
    jmp TSS_B:0                         ; the offset is ignored
.jmp_back:                                  ; task B jumped back to task A
    CHECK "ebx kept", ebx, 0x1234abcd
    CHECK "esi kept", esi, 0x5678cdef
    CHECK "eax from tss b", [b_eax], B_EAX
    CHECK "tr in b", [b_tr], TSS_B
    CHECK "nt in b", [b_nt], 0
    CHECK "link of b untouched", [tss_b + TSS_LINK], 0
    CHECK "a not busy while b ran", [b_type_a], ACC_P | SYS_TSS32
    CHECK "b busy while it ran", [b_type_b], ACC_P | SYS_TSS32_BUSY
    movzx ecx, byte [lib_gdt + TSS_B + 5]
    CHECK "b not busy after", ecx, ACC_P | SYS_TSS32
    movzx ecx, byte [lib_gdt + TSS_SEL + 5]
    CHECK "a busy after", ecx, ACC_P | SYS_TSS32_BUSY
    CHECK "eip saved in tss b", [tss_b + TSS_EIP], task_b_jmp.saved_eip
    CHECK "eip saved in tss a", [lib_tss + TSS_EIP], .jmp_back
    str ecx
    CHECK "tr back", ecx, TSS_SEL
    ; SDM Vol 3A §2.5: every task switch sets CR0.TS
    mov ecx, cr0
    and ecx, CR0_TS
    CHECK "cr0.ts set", ecx, CR0_TS
    clts

; -------------------------------------------------------------------- CALL
    AREA "call to a tss"
    mov eax, task_b_call
    call init_task_b
    mov ebx, 0x0badf00d
    call TSS_B:0
    CHECK "ebx kept", ebx, 0x0badf00d
    CHECK "link in b", [b_link], TSS_SEL
    CHECK "nt in b", [b_nt], F_NT
    CHECK "a busy while b ran", [b_type_a], ACC_P | SYS_TSS32_BUSY
    CHECK "b busy while it ran", [b_type_b], ACC_P | SYS_TSS32_BUSY
    CHECK "jmp to busy a: vector", [b_busy_vec], V_GP
    CHECK "jmp to busy a: error", [b_busy_err], TSS_SEL
    movzx ecx, byte [lib_gdt + TSS_B + 5]
    CHECK "iret clears b busy", ecx, ACC_P | SYS_TSS32
    movzx ecx, byte [lib_gdt + TSS_SEL + 5]
    CHECK "a still busy", ecx, ACC_P | SYS_TSS32_BUSY
    ; SDM Vol 3A §8.4 table 8-2: IRET clears NT in the outgoing task's image
    mov ecx, [tss_b + TSS_EFLAGS]
    and ecx, F_NT
    CHECK "nt cleared in b's image", ecx, 0
    CHECKF "nt in a after iret", F_NT, 0
    clts

; -------------------------------------------------------------- task gates
    AREA "task gates"
    mov eax, task_b_call
    call init_task_b
    call TASK_GATE:0
    CHECK "call gdt task gate: link", [b_link], TSS_SEL
    CHECK "call gdt task gate: tr", [b_tr], TSS_B
    mov eax, task_b_call
    call init_task_b
    mov dword [b_link], 0
    int VEC_TASK
.after_int:
    CHECK "int task gate: link", [b_link], TSS_SEL
    CHECK "int task gate: nt", [b_nt], F_NT
    CHECK "int task gate: a resumed after int", [lib_tss + TSS_EIP], .after_int
    mov eax, task_b_jmp
    call init_task_b
    mov dword [b_tr], 0
    jmp TASK_GATE:0
.after_jmp:
    CHECK "jmp gdt task gate: tr", [b_tr], TSS_B
    CHECK "jmp gdt task gate: nt", [b_nt], 0
    clts

; ------------------------------------------------------------- bad TSSes
    AREA "invalid tss"
    ; SDM Vol 3A §8.3 table 8-1: checked before the switch, in the old task:
    ; a limit below 0x67 is #TS(selector), a not-present TSS #NP(selector)
    mov eax, task_b_jmp
    call init_task_b
    EXPECT V_TS, .short_done
.short:
    jmp TSS_SHORT:0
    NO_EXCEPTION
.short_done:
    CHECK_EXC "tss limit below 0x67", V_TS, TSS_SHORT, .short
    str ecx
    CHECK "still task a", ecx, TSS_SEL
    EXPECT V_NP, .absent_done
.absent:
    call TSS_ABSENT:0
    NO_EXCEPTION
.absent_done:
    CHECK_EXC "tss not present", V_NP, TSS_ABSENT, .absent
    movzx ecx, byte [lib_gdt + TSS_SEL + 5]
    CHECK "a still busy", ecx, ACC_P | SYS_TSS32_BUSY

; ------------------------------------------------------ #DF through a task
    AREA "#DF handled by a task"
    ; SDM Vol 3A §6.15 "Interrupt 8": with a task gate, the double fault runs
    ; in its own task, with the error code (0) pushed on that task's stack.
    mov edi, tss_df
    mov eax, task_df
    mov ecx, TASK_DF_STACK
    call init_task
    SET_IDT_GATE V_DF, TSS_DF, 0, ACC_P | SYS_TASKGATE
    RESET_IDT_GATE V_GP, SYS_INTGATE32  ; #GP gate not present: #NP, then #DF
    mov ax, GDT_ENTRIES * 8             ; beyond the GDT limit: #GP
.fault:
    mov ds, ax
    FAIL_NOW "no double fault"
.resume:                                ; the #DF task sent task A here
    RESET_IDT_GATE V_GP, ACC_P | SYS_INTGATE32
    RESET_IDT_GATE V_DF, ACC_P | SYS_INTGATE32
    CHECK "error code on the task's stack", [df_err], 0
    CHECK "esp in the #df task", [df_esp], TASK_DF_STACK - 4
    CHECK "link in the #df task", [df_link], TSS_SEL
    CHECK "nt in the #df task", [df_nt], F_NT
    CHECK "tr in the #df task", [df_tr], TSS_DF
    movzx ecx, byte [lib_gdt + TSS_DF + 5]
    CHECK "#df task not busy after iret", ecx, ACC_P | SYS_TSS32
    clts

    FINISH

; init_task_b: TSS B starts at EAX on its own stack, descriptor available.
init_task_b:
    mov edi, tss_b
    mov ecx, TASK_B_STACK
    call init_task
    SET_DESC TSS_B, tss_b, TSS_SIZE - 1, ACC_P | SYS_TSS32, 0
    ret

; init_task: TSS at EDI: EIP = EAX, ESP = ECX, flat segments, EFLAGS = 2,
; EAX image B_EAX, CR3 = the current CR3, no LDT, no I/O bitmap.
init_task:
    push eax
    push ecx
    push edi
    mov ecx, TSS_SIZE / 4
    xor eax, eax
    rep stosd
    pop edi
    pop ecx
    pop eax
    mov [edi + TSS_EIP], eax
    mov [edi + TSS_ESP], ecx
    mov dword [edi + TSS_EFLAGS], 2
    mov dword [edi + TSS_EAX], B_EAX
    mov dword [edi + TSS_CS], KCODE
    mov dword [edi + TSS_SS], KDATA
    mov dword [edi + TSS_DS], KDATA
    mov dword [edi + TSS_ES], KDATA
    mov dword [edi + TSS_FS], KDATA
    mov dword [edi + TSS_GS], KDATA
    mov ecx, cr3
    mov [edi + TSS_CR3], ecx
    mov word [edi + TSS_IOMAP], TSS_SIZE
    ret

; record_b: what task B sees of itself.
record_b:
    str [b_tr]
    pushfd
    pop ecx
    and ecx, F_NT
    mov [b_nt], ecx
    movzx ecx, word [tss_b + TSS_LINK]
    mov [b_link], ecx
    movzx ecx, byte [lib_gdt + TSS_SEL + 5]
    mov [b_type_a], ecx
    movzx ecx, byte [lib_gdt + TSS_B + 5]
    mov [b_type_b], ecx
    ret

task_b_jmp:
    mov [b_eax], eax
    call record_b
    jmp TSS_SEL:0
.saved_eip:
    FAIL_NOW "task b resumed"
    FINISH

task_b_call:
    call record_b
    ; task A is busy (CALL keeps it busy): JMP to it is #GP(selector)
    mov dword [b_busy_vec], NO_VECTOR
    EXPECT V_GP, .busy_done
    jmp TSS_SEL:0
    NO_EXCEPTION
.busy_done:
    mov eax, [lib_exc_vec]
    mov [b_busy_vec], eax
    mov eax, [lib_exc_err]
    mov [b_busy_err], eax
    pushfd                              ; the #GP's interrupt gate cleared NT
    or dword [esp], F_NT
    popfd
    iretd                               ; NT = 1: back to the linked task
    FAIL_NOW "iret did not switch tasks"
    FINISH

task_df:
    mov eax, [esp]
    mov [df_err], eax
    mov [df_esp], esp
    str [df_tr]
    movzx eax, word [tss_df + TSS_LINK]
    mov [df_link], eax
    pushfd
    pop eax
    and eax, F_NT
    mov [df_nt], eax
    CHECK "eip saved in tss a", [lib_tss + TSS_EIP], start.fault
    mov dword [lib_tss + TSS_EIP], start.resume
    add esp, 4
    iretd

; ------------------------------------------------------------------- data
align 4
b_eax:      dd 0
b_tr:       dd 0
b_nt:       dd 0
b_link:     dd 0
b_type_a:   dd 0
b_type_b:   dd 0
b_busy_vec: dd 0
b_busy_err: dd 0
df_err:     dd 0xffffffff
df_esp:     dd 0
df_tr:      dd 0
df_link:    dd 0
df_nt:      dd 0

align 16
tss_b:      times TSS_SIZE db 0
tss_df:     times TSS_SIZE db 0

    KERNEL_END
