; irq.asm - hardware interrupts from the PC chipset in real mode: the 8254 timer on
; IRQ 0 through the 8259 PIC (HLT waking up on each tick), masking, the RTC's time
; registers and its periodic interrupt on IRQ 8 through the cascaded slave PIC.
%include "lib.inc"

TICKS     equ TEST_DATA        ; word: IRQ 0 count
RTC_TICKS equ TEST_DATA + 2    ; word: IRQ 8 count

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

    FINISH

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
