; mb-rings.asm - privilege-level transitions (SDM Vol 3A §5.8, §6.12, Vol 1
; §19.5): IRET to CPL 3, INT n from CPL 3 through a DPL 3 gate with the stack
; switch to TSS.SS0:ESP0, #GP for DPL 0 gates, a call gate with parameter
; copying and RETF back, the I/O permission bitmap, CLI/STI/POPF at CPL 3
; with IOPL 0 and 3, and a call to conforming code (the CPL stays 3).
%include "lib32.inc"

CALL_GATE       equ 0x40 | 3            ; DPL 3 call gate to gate_target, 2 params
CONF_CODE       equ 0x48                ; conforming code, DPL 0
VEC_DPL0        equ 0x50                ; an ordinary DPL 0 interrupt gate
USER_ESP        equ lib_user_stack_top - 64
SCRATCH_PORT    equ 0x3ff               ; 16550A scratch register (COM1 + 7)

start:
    SET_GDT_GATE CALL_GATE, KCODE, gate_target, ACC_P | ACC_DPL3 | SYS_CALLGATE32, 2
    SET_DESC CONF_CODE, 0, 0xfffff, ACC_CODE_R | ACC_CE | ACC_A, FL_G | FL_DB

; ------------------------------------------------------------- IRET, INT n
    AREA "iret to cpl 3"
    mov dword [got_cs], 0
    EXPECT RING0_VEC, .iret_done
    push dword UDATA
    push dword USER_ESP
    push dword 2
    push dword UCODE
    push dword ring3_where
    mov ax, UDATA
    mov ds, ax
    mov es, ax
    mov ax, KDATA                       ; DPL 0: IRET to CPL 3 nulls FS and GS
    mov fs, ax
    mov gs, ax
    iretd
.iret_done:
    CHECK "cs at cpl 3", [got_cs], UCODE
    CHECK "ss at cpl 3", [got_ss], UDATA
    CHECK "esp at cpl 3", [got_esp], USER_ESP
    CHECK "ds kept (dpl 3)", [got_ds], UDATA
    CHECK "fs nulled (dpl 0)", [got_fs], 0
    CHECK "gs nulled (dpl 0)", [got_gs], 0

    AREA "int n from cpl 3"
    ; SDM Vol 3A §6.12.1 figure 6-4: to an inner level the handler's stack is
    ; TSS.SS0:ESP0 and holds SS, ESP, EFLAGS, CS, EIP of the interrupted code.
    mov dword [lib_tss_stack_top - 8], 0
    EXPECT RING0_VEC, .int_done
    ENTER_RING3 ring3_int, 2
.int_done:
    CHECK_EXC "int 0x30", RING0_VEC, 0, ring3_int.next
    CHECK "pushed cs", [lib_exc_cs], UCODE
    CHECK "pushed esp", [lib_exc_esp], USER_ESP
    CHECK "pushed ss", [lib_exc_ss], UDATA
    CHECK_MASKED "frame at esp0: ss", [lib_tss_stack_top - 4], 0xffff, UDATA
    CHECK "frame at esp0: esp", [lib_tss_stack_top - 8], USER_ESP
    CHECK "frame at esp0: eip", [lib_tss_stack_top - 20], ring3_int.next

    AREA "#GP for dpl 0 gates"
    ; SDM Vol 3A §6.12.1.1: INT n, INT3 and INTO check the gate DPL against
    ; CPL: #GP(vector * 8 + 2), the INT instruction is the faulting one.
    EXPECT V_GP, .gp_done
    ENTER_RING3 ring3_int_dpl0, 2
.gp_done:
    CHECK_EXC "int 0x50 at cpl 3", V_GP, VEC_DPL0 * 8 + 2, ring3_int_dpl0.int
    CHECK "faulting cs", [lib_exc_cs], UCODE
    EXPECT V_GP, .gp3_done
    ENTER_RING3 ring3_int3, 2
.gp3_done:
    CHECK_EXC "int3 at cpl 3", V_GP, V_BP * 8 + 2, ring3_int3
    RESET_IDT_GATE V_BP, ACC_P | ACC_DPL3 | SYS_INTGATE32
    EXPECT V_BP, .bp_done
    ENTER_RING3 ring3_int3, 2
.bp_done:
    CHECK_EXC "int3 via dpl 3 gate", V_BP, 0, ring3_int3 + 1
    RESET_IDT_GATE V_BP, ACC_P | SYS_INTGATE32

; --------------------------------------------------------------- call gate
    AREA "call gate"
    ; SDM Vol 3A §5.8.5 figure 5-13: the parameters are copied to the inner
    ; stack between the caller's SS:ESP and CS:EIP; RETF n pops them from
    ; both stacks.
    EXPECT RING0_VEC, .cg_done
    ENTER_RING3 ring3_call_gate, 2
.cg_done:
    CHECK "gate target cs", [gate_cs], KCODE
    CHECK "inner esp", [gate_esp], lib_tss_stack_top - 24
    CHECK "copied eip", [gate_frame], ring3_call_gate.ret
    CHECK "copied cs", [gate_frame + 4], UCODE
    CHECK "param 1", [gate_frame + 8], 0x2222
    CHECK "param 2", [gate_frame + 12], 0x1111
    CHECK "caller esp", [gate_frame + 16], USER_ESP - 8
    CHECK "caller ss", [gate_frame + 20], UDATA
    CHECK "cs after retf", [got_cs], UCODE
    CHECK "esp after retf 8", [got_esp], USER_ESP

; ------------------------------------------------------- I/O permissions
    AREA "i/o bitmap"
    ; SDM Vol 1 §19.5.2: with CPL > IOPL each byte of the access needs its
    ; bit clear in the TSS bitmap, else #GP(0).
    and byte [lib_tss + TSS_SIZE + SCRATCH_PORT / 8], ~(1 << (SCRATCH_PORT % 8))
    mov dword [got_io], 0
    EXPECT RING0_VEC, .io_done
    ENTER_RING3 ring3_io_allowed, 2
.io_done:
    CHECK "allowed port", [got_io], 0x5a
    EXPECT V_GP, .io2_done
    ENTER_RING3 ring3_io_denied, 2
.io2_done:
    CHECK_EXC "denied port", V_GP, 0, ring3_io_denied.in
    EXPECT V_GP, .io3_done
    ENTER_RING3 ring3_io_word, 2
.io3_done:
    CHECK_EXC "word across into a denied port", V_GP, 0, ring3_io_word.in
    mov dword [got_io], 0
    EXPECT RING0_VEC, .io4_done
    ENTER_RING3 ring3_io_denied, F_IOPL3 | 2   ; IOPL 3: the bitmap is not used
.io4_done:
    CHECK "iopl 3: any port", [lib_exc_vec], RING0_VEC
    or byte [lib_tss + TSS_SIZE + SCRATCH_PORT / 8], 1 << (SCRATCH_PORT % 8)
    EXPECT V_GP, .io5_done
    ENTER_RING3 ring3_io_allowed, 2
.io5_done:
    CHECK_EXC "bit set again", V_GP, 0, ring3_io_allowed.out

; --------------------------------------------------------------- IF, IOPL
    AREA "cli/sti at cpl 3"
    ; SDM Vol 2A CLI/STI: CPL > IOPL (and no VME/PVI) is #GP(0)
    EXPECT V_GP, .cli_done
    ENTER_RING3 ring3_cli, F_IF | 2
.cli_done:
    CHECK_EXC "cli with iopl 0", V_GP, 0, ring3_cli
    EXPECT V_GP, .sti_done
    ENTER_RING3 ring3_sti, 2
.sti_done:
    CHECK_EXC "sti with iopl 0", V_GP, 0, ring3_sti
    EXPECT RING0_VEC, .cli3_done
    ENTER_RING3 ring3_cli_sti, F_IOPL3 | F_IF | 2
.cli3_done:
    CHECK "cli with iopl 3", [got_flags], F_IOPL3
    CHECK "sti with iopl 3", [got_flags + 4], F_IOPL3 | F_IF

    AREA "popf at cpl 3"
    ; SDM Vol 2B POPF: at CPL 3 IOPL never changes; IF changes only when
    ; CPL <= IOPL, and is silently kept otherwise.
    EXPECT RING0_VEC, .popf_done
    ENTER_RING3 ring3_popf, F_IF | 2
.popf_done:
    CHECK "iopl 0: if kept", [got_flags], F_IF
    CHECK "iopl 0: iopl kept", [got_flags + 4], F_IF
    EXPECT RING0_VEC, .popf3_done
    ENTER_RING3 ring3_popf, F_IOPL3 | F_IF | 2
.popf3_done:
    CHECK "iopl 3: if cleared", [got_flags], F_IOPL3
    CHECK "iopl 3: iopl kept", [got_flags + 4], F_IOPL3

    AREA "conforming code from cpl 3"
    ; SDM 3A §5.8.1.2: a far CALL to a more privileged conforming segment keeps
    ; the CPL: CS.RPL reads 3 there and CLI (IOPL 0) is still #GP
    EXPECT V_GP, .conf_done
    ENTER_RING3 ring3_conf, F_IF | 2
.conf_done:
    CHECK_EXC "cli in conforming code", V_GP, 0, conf_target.cli
    CHECK "cs there", [conf_cs], CONF_CODE | 3
    CHECK "pushed cs", [lib_exc_cs], CONF_CODE | 3

    FINISH

; ------------------------------------------------------------- CPL 3 code
ring3_conf:
    call CONF_CODE:conf_target

conf_target:                            ; conforming, still CPL 3
    mov [conf_cs], cs
.cli:
    cli

align 4
conf_cs:    dd 0

ring3_where:
    mov [got_cs], cs
    mov [got_ss], ss
    mov [got_esp], esp
    mov [got_ds], ds
    mov [got_fs], fs
    mov [got_gs], gs
    RING0_RETURN

ring3_int:
    mov esp, USER_ESP
    int RING0_VEC
.next:

ring3_int_dpl0:
    mov esp, USER_ESP
.int:
    int VEC_DPL0

ring3_int3:
    int3

ring3_call_gate:
    mov esp, USER_ESP
    push dword 0x1111
    push dword 0x2222
    call CALL_GATE:0                    ; the offset is ignored
.ret:
    mov [got_cs], cs
    mov [got_esp], esp
    RING0_RETURN

gate_target:                            ; CPL 0 through the call gate
    mov [gate_cs], cs
    mov [gate_esp], esp
    mov eax, [esp]
    mov [gate_frame], eax
    mov eax, [esp + 4]
    mov [gate_frame + 4], eax
    mov eax, [esp + 8]
    mov [gate_frame + 8], eax
    mov eax, [esp + 12]
    mov [gate_frame + 12], eax
    mov eax, [esp + 16]
    mov [gate_frame + 16], eax
    mov eax, [esp + 20]
    mov [gate_frame + 20], eax
    retf 8

ring3_io_allowed:
    mov dx, SCRATCH_PORT
    mov al, 0x5a
.out:
    out dx, al
    mov al, 0
    in al, dx
    mov [got_io], eax
    RING0_RETURN

ring3_io_denied:
    mov dx, SCRATCH_PORT - 1
.in:
    in al, dx
    RING0_RETURN

ring3_io_word:
    mov dx, SCRATCH_PORT                ; 0x3ff allowed, 0x400 denied
.in:
    in ax, dx
    RING0_RETURN

ring3_cli:
    cli
    RING0_RETURN

ring3_sti:
    sti
    RING0_RETURN

ring3_cli_sti:
    cli
    pushfd
    pop eax
    and eax, F_IF | F_IOPL3
    mov [got_flags], eax
    sti
    pushfd
    pop eax
    and eax, F_IF | F_IOPL3
    mov [got_flags + 4], eax
    RING0_RETURN

ring3_popf:
    pushfd
    and dword [esp], ~F_IF
    popfd                               ; try to clear IF
    pushfd
    pop eax
    and eax, F_IF | F_IOPL3
    mov [got_flags], eax
    pushfd
    and dword [esp], ~F_IOPL3
    or dword [esp], 0x1000              ; try to set IOPL to 1
    popfd
    pushfd
    pop eax
    and eax, F_IF | F_IOPL3
    mov [got_flags + 4], eax
    RING0_RETURN

; ------------------------------------------------------------------- data
align 4
got_cs:     dd 0
got_ss:     dd 0
got_esp:    dd 0
got_ds:     dd 0
got_fs:     dd 0
got_gs:     dd 0
got_io:     dd 0
got_flags:  dd 0, 0
gate_cs:    dd 0
gate_esp:   dd 0
gate_frame: times 6 dd 0

    KERNEL_END
