; irq.asm - hardware interrupts from the PC chipset in real mode: the 8254 timer on
; IRQ 0 through the 8259 PIC (HLT waking up on each tick), masking, the RTC's time
; registers and its periodic interrupt on IRQ 8 through the cascaded slave PIC.
%include "lib.inc"

TICKS     equ TEST_DATA        ; word: IRQ 0 count
RTC_TICKS equ TEST_DATA + 2    ; word: IRQ 8 count
SHADOW_CX equ TEST_DATA + 4    ; word: CX when the IRQ 0 after STI came
SHADOW_DX equ TEST_DATA + 6    ; word: DX then
STEP_CX   equ TEST_DATA + 8    ; word: CX at the single-step trap after MOV SS

start:
    TEST_INIT
    mov word [TICKS], 0
    mov word [RTC_TICKS], 0
    ; The local APIC's LINT0 is masked at reset, which keeps the 8259's INTR from the
    ; CPU (SDM 3A §11.5.1) until firmware sets up virtual-wire mode; disabling the
    ; APIC globally (IA32_APIC_BASE bit 11) connects INTR directly, as on a pre-APIC PC.
    mov ecx, 0x1b
    rdmsr
    and ax, 0xf7ff
    wrmsr
    SET_VECTOR 0x08, irq0_handler
    SET_VECTOR 0x70, irq8_handler

    ; 8259 PICs: only IRQ 0 unmasked
    PIC_INIT 0xfe, 0xff

    AREA "pit irq0"
    ; PIT channel 0, mode 2, 11932 -> 100 Hz
    mov al, 0x34
    out 0x43, al
    mov ax, 11932
    out 0x40, al
    mov al, ah
    out 0x40, al
    sti
.wait_ticks:
    hlt
    cmp word [TICKS], 10
    jb .wait_ticks
    cli
    mov ax, [TICKS]
    cmp ax, 10
    CHECKF "ten ticks counted", F_CF, 0

    AREA "masked irq"
    mov al, 0xff                ; mask IRQ 0: no more ticks
    out 0x21, al
    mov bx, [TICKS]
    sti
    mov cx, 0x4000
.spin:
    loop .spin
    cli
    CHECK "no ticks while masked", bx, [TICKS]

    AREA "rtc time"
    mov al, 0x0b                ; register B: 24-hour BCD expected after reset
    out 0x70, al
    in al, 0x71
    and al, 0x06
    CHECK8 "register B format", al, 0x02
    mov al, 0x00                ; seconds: valid BCD below 0x60
    out 0x70, al
    in al, 0x71
    cmp al, 0x60
    CHECKF "seconds < 60", F_CF, F_CF
    mov al, 0x0d
    out 0x70, al
    in al, 0x71
    CHECK8 "register D valid RAM", al, 0x80

    AREA "rtc periodic irq8"
    mov al, 0xfb                ; master: IRQ 2 (cascade) only
    out 0x21, al
    mov al, 0xfe                ; slave: IRQ 8 only
    out 0xa1, al
    mov al, 0x0a                ; register A: 1024 Hz
    out 0x70, al
    mov al, 0x26
    out 0x71, al
    mov al, 0x0b                ; register B: PIE on, 24-hour BCD
    out 0x70, al
    mov al, 0x42
    out 0x71, al
    mov al, 0x0c                ; clear pending flags
    out 0x70, al
    in al, 0x71
    sti
.wait_rtc:
    hlt
    cmp word [RTC_TICKS], 20
    jb .wait_rtc
    cli
    mov al, 0x0b                ; PIE off
    out 0x70, al
    mov al, 0x02
    out 0x71, al
    mov ax, [RTC_TICKS]
    cmp ax, 20
    CHECKF "twenty RTC interrupts", F_CF, 0

    AREA "sti shadow"
    ; SDM Vol 2B STI: with IF clear before it, STI holds off a pending interrupt until
    ; the instruction after it has completed, and no longer. IRQ 0 is made pending with
    ; IF clear (polled in the master's IRR, OCW3), then STI; INC CX; INC DX: the
    ; interrupt must find CX incremented and DX not.
    SET_VECTOR 0x08, shadow_handler
    mov word [SHADOW_CX], 0xffff
    mov word [SHADOW_DX], 0xffff
    mov al, 0xfe                ; master: IRQ 0 only
    out 0x21, al
.wait_irr:
    mov al, 0x0a                ; OCW3: read the IRR
    out 0x20, al
    in al, 0x20
    test al, 1
    jz .wait_irr
    xor cx, cx
    xor dx, dx
    sti
    inc cx
    inc dx
    inc dx
    cli
    CHECK "sti shadow: the next instruction ran first", [SHADOW_CX], 1
    CHECK "sti shadow: the interrupt came right after it", [SHADOW_DX], 0

    AREA "mov ss shadow"
    ; SDM Vol 2B MOV: a load of SS holds off debug traps until the next instruction has
    ; completed. POPF sets TF, so the single-step trap would follow MOV SS; it follows
    ; the INC CX after it instead.
    SET_VECTOR 0x01, step_handler
    mov word [STEP_CX], 0xffff
    xor cx, cx
    mov ax, ss
    pushf
    pop bx
    or bx, 0x100
    push bx
    popf
    mov ss, ax
    inc cx
    inc cx
    CHECK "mov ss shadow: the trap came after the next instruction", [STEP_CX], 1

    FINISH

step_handler:
    push bp
    mov bp, sp
    mov [ss:STEP_CX], cx
    and word [bp + 6], 0xfeff   ; TF off in the pushed FLAGS
    pop bp
    iret

shadow_handler:
    push ax
    mov [ss:SHADOW_CX], cx
    mov [ss:SHADOW_DX], dx
    mov al, 0xff                ; mask IRQ 0 again
    out 0x21, al
    mov al, 0x20
    out 0x20, al
    pop ax
    iret

irq0_handler:
    push ax
    add word [ss:TICKS], 1
    mov al, 0x20                ; non-specific EOI
    out 0x20, al
    pop ax
    iret

irq8_handler:
    push ax
    add word [ss:RTC_TICKS], 1
    mov al, 0x0c                ; read C: acknowledges the RTC interrupt
    out 0x70, al
    in al, 0x71
    mov al, 0x20
    out 0xa0, al                ; EOI slave, then master
    out 0x20, al
    pop ax
    iret

    ROM_END
