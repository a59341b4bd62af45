; mb-debugreg.asm - debug registers and debug exceptions (SDM Vol 3A chapter
; 17): DR0-DR3 and the DR6/DR7 fixed bits, an instruction breakpoint (a
; fault before the instruction; RF lets it run), data write and read/write
; watchpoints (traps after the access), an I/O breakpoint (CR4.DE), single-step
; with TF (DR6.BS), INT3.
; (INT1/ICEBP is not tested: QEMU 7.2 raises #UD for it.)
%include "lib32.inc"

DR7_L0          equ 1 << 0
DR7_L1          equ 1 << 2
DR7_RW1_WRITE   equ 01b << 20
DR7_RW1_RW      equ 11b << 20
DR7_LEN1_4      equ 11b << 22
DR7_RW0_IO      equ 10b << 16
DR7_LEN0_2      equ 01b << 18
CR4_DE          equ 1 << 3
IO_PORT         equ 0x84                ; an unused port (reads FFh, writes ignored)
DR6_B0          equ 1 << 0
DR6_B1          equ 1 << 1
DR6_BS          equ 1 << 14
DR6_STATUS      equ 0x600f              ; BD, BS, B3-B0
DR6_CLEAR       equ 0xffff0ff0          ; DR6 with no status bit set

start:
    SET_IDT_GATE V_DB, KCODE, db_handler, ACC_P | SYS_INTGATE32

    AREA "dr0-dr7"
    mov eax, 0x11111111
    mov dr0, eax
    mov eax, 0x22222222
    mov dr1, eax
    mov eax, 0x33333333
    mov dr2, eax
    mov eax, 0x44444444
    mov dr3, eax
    mov ecx, dr0
    CHECK "dr0", ecx, 0x11111111
    mov ecx, dr1
    CHECK "dr1", ecx, 0x22222222
    mov ecx, dr2
    CHECK "dr2", ecx, 0x33333333
    mov ecx, dr3
    CHECK "dr3", ecx, 0x44444444
    ; SDM Vol 3A §17.2.3, §17.2.4: DR6 bits 4-10 and 17-31 and DR7 bit 10
    ; read as 1
    xor eax, eax
    mov dr6, eax
    mov ecx, dr6
    CHECK_MASKED "dr6 fixed bits", ecx, 0xfffe07ff, 0xfffe07f0
    mov dr7, eax
    mov ecx, dr7
    CHECK "dr7 fixed bit", ecx, 0x400

    AREA "instruction breakpoint"
    ; §17.3.1.1: an instruction breakpoint is a fault: reported before the
    ; instruction runs, with EIP pointing at it; the handler sets RF in the
    ; EFLAGS image so that IRET runs it without a second hit.
    call db_reset
    mov eax, bp_target
    mov dr0, eax
    mov eax, DR7_L0                     ; R/W0 = 00 (execute), LEN0 = 00
    mov dr7, eax
    xor ecx, ecx
    mov edx, 2
bp_loop:
bp_target:
    inc ecx
    dec edx
    jnz bp_loop
    xor eax, eax
    mov dr7, eax
    CHECK "hits (once per pass)", [db_count], 2
    CHECK "eip = the instruction", [db_eip], bp_target
    CHECK_MASKED "dr6.b0", [db_dr6], DR6_STATUS, DR6_B0
    CHECK "instruction ran each time", ecx, 2
    CHECK_MASKED "rf not set in the image", [db_eflags], F_RF, 0

    AREA "data watchpoints"
    ; §17.3.1.2: data breakpoints are traps: the access completes, EIP points
    ; after the instruction
    call db_reset
    mov eax, watched
    mov dr1, eax
    mov eax, DR7_L1 | DR7_RW1_WRITE | DR7_LEN1_4
    mov dr7, eax
    mov ecx, [watched]                  ; a read: no hit with R/W = 01
    CHECK "read with a write watchpoint", [db_count], 0
    mov dword [watched], 0x1234
.write_next:
    CHECK "write hits", [db_count], 1
    CHECK "write: eip after the write", [db_eip], .write_next
    CHECK_MASKED "write: dr6.b1", [db_dr6], DR6_STATUS, DR6_B1
    CHECK "write done", [watched], 0x1234
    mov byte [watched + 2], 0x56        ; any byte of the 4 watched
.byte_next:
    CHECK "byte write hits", [db_count], 2
    CHECK "byte write: eip", [db_eip], .byte_next
    mov dword [watched + 4], 0          ; outside: no hit
    CHECK "write outside", [db_count], 2
    mov eax, DR7_L1 | DR7_RW1_RW | DR7_LEN1_4
    mov dr7, eax
    mov ecx, [watched]
.read_next:
    CHECK "read hits with r/w = 11", [db_count], 3
    CHECK "read: eip", [db_eip], .read_next
    CHECK_MASKED "read: dr6.b1", [db_dr6], DR6_STATUS, DR6_B1
    xor eax, eax
    mov dr7, eax

    AREA "i/o breakpoint"
    ; §17.2.4: R/W = 10 with CR4.DE = 1 watches a port range; a trap after the
    ; IN or OUT that touches it
    call db_reset
    mov eax, cr4
    or eax, CR4_DE
    mov cr4, eax
    mov eax, IO_PORT
    mov dr0, eax
    mov eax, DR7_L0 | DR7_RW0_IO | DR7_LEN0_2
    mov dr7, eax
    mov dx, IO_PORT + 2                 ; next to the range: no hit
    in al, dx
    CHECK "port outside the range", [db_count], 0
    mov dx, IO_PORT + 1
    out dx, al
.io_next:
    CHECK "out hits", [db_count], 1
    CHECK "out: eip after the out", [db_eip], .io_next
    CHECK_MASKED "out: dr6.b0", [db_dr6], DR6_STATUS, DR6_B0
    mov dx, IO_PORT - 1                 ; a word access overlapping the range
    in ax, dx
.io_in_next:
    CHECK "in hits", [db_count], 2
    CHECK "in: eip", [db_eip], .io_in_next
    xor eax, eax
    mov dr7, eax
    mov eax, cr4
    and eax, ~CR4_DE
    mov cr4, eax

    AREA "single-step"
    ; §17.3.1.4: with TF = 1 a trap after each instruction, DR6.BS; the
    ; instruction that sets TF is not itself trapped
    call db_reset
    pushfd
    or dword [esp], F_TF
    popfd
    mov eax, 1
.step_next:
    CHECK "one step", [db_count], 1
    CHECK "eip after the stepped instruction", [db_eip], .step_next
    CHECK_MASKED "dr6.bs", [db_dr6], DR6_STATUS, DR6_BS
    CHECK_MASKED "tf in the image", [db_eflags], F_TF, F_TF
    CHECKF "tf clear again", F_TF, 0

    AREA "int3"
    EXPECT V_BP, .bp_done
    int3
.bp_next:
    NO_EXCEPTION
.bp_done:
    CHECK_EXC "int3", V_BP, 0, .bp_next

    FINISH

db_reset:
    mov dword [db_count], 0
    mov dword [db_dr6], 0
    mov dword [db_eip], 0
    mov eax, DR6_CLEAR
    mov dr6, eax
    ret

; #DB handler: counts, records DR6 and the frame, clears DR6, then resumes
; with RF set (past an instruction breakpoint) and TF clear (one step).
db_handler:
    push eax
    inc dword [db_count]
    mov eax, dr6
    mov [db_dr6], eax
    mov eax, [esp + 4]
    mov [db_eip], eax
    mov eax, [esp + 12]
    mov [db_eflags], eax
    or dword [esp + 12], F_RF
    and dword [esp + 12], ~F_TF
    mov eax, DR6_CLEAR
    mov dr6, eax
    pop eax
    iretd

align 4
db_count:   dd 0
db_dr6:     dd 0
db_eip:     dd 0
db_eflags:  dd 0
watched:    dd 0, 0

    KERNEL_END
