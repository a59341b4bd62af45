; serial.asm - 16550A UART (COM1, 0x3f8) register behaviour: reset values,
; scratch register, LCR and the DLAB divisor latch, LSR THRE/TEMT, loopback
; (MCR bit 4) with RBR/LSR.DR and MSR mirroring the MCR outputs, FIFO
; enable seen in IIR bits 7:6, and the THRE interrupt identification.
;
; Register semantics: National Semiconductor / TI PC16550D datasheet,
; "Register Description".  While DLAB = 1 or loopback is on, characters
; written to THR do not reach the console, so those phases only record
; values in RAM; the checks run once the UART is back to normal.
%include "lib.inc"

RESET_LSR   equ TEST_DATA + 0x00
RESET_IIR   equ TEST_DATA + 0x01
RESET_IER   equ TEST_DATA + 0x02
RESET_LCR   equ TEST_DATA + 0x03
SEEN        equ TEST_DATA + 0x10    ; bytes recorded by the blind phases

; WAIT_LSR bits: polls LSR (bounded) until all `bits` are set; AL = last
; LSR value read.
%macro WAIT_LSR 1
    push cx
    push dx
    mov dx, UART_LSR
    mov cx, 0xffff
%%poll:
    in al, dx
    and al, %1
    cmp al, %1
    je %%done
    sub cx, 1
    jnz %%poll
%%done:
    in al, dx
    pop dx
    pop cx
%endmacro

; IN_TO port, addr: byte [addr] = inb(port).
%macro IN_TO 2
    mov dx, %1
    in al, dx
    mov [%2], al
%endmacro

; OUT_B port, value
%macro OUT_B 2
    mov dx, %1
    mov al, %2
    out dx, al
%endmacro

start:
    ; Read the power-on values before TEST_INIT programs the line (DS is
    ; 0 after reset, SDM Vol 3A §9.1.1 Table 9-1).
    cli
    IN_TO UART_LSR, RESET_LSR
    IN_TO UART_IIR, RESET_IIR
    IN_TO UART_IER, RESET_IER
    IN_TO UART_LCR, RESET_LCR
    TEST_INIT

    AREA "reset values"
    CHECK8 "LSR after reset (THRE|TEMT)", byte [RESET_LSR], LSR_THRE | LSR_TEMT
    CHECK8 "IIR after reset (no interrupt)", byte [RESET_IIR], 0x01
    CHECK8 "IER after reset", byte [RESET_IER], 0x00
    CHECK8 "LCR after reset", byte [RESET_LCR], 0x00

    AREA "scratch register"
    OUT_B UART_SCR, 0x55
    in al, dx
    CHECK8 "SCR 0x55", al, 0x55
    OUT_B UART_SCR, 0xaa
    in al, dx
    CHECK8 "SCR 0xaa", al, 0xaa
    OUT_B UART_SCR, 0x00
    in al, dx
    CHECK8 "SCR 0x00", al, 0x00

    AREA "LCR and divisor latch"
    OUT_B UART_LCR, 0x1b            ; 8 bits, even parity, DLAB = 0
    in al, dx
    CHECK8 "LCR read back", al, 0x1b
    ; DLAB = 1: offsets 0 and 1 are the divisor latch.  Blind phase.
    OUT_B UART_LCR, 0x83
    OUT_B UART_DLL, 0x0c
    OUT_B UART_DLM, 0x12
    IN_TO UART_DLL, SEEN + 0
    IN_TO UART_DLM, SEEN + 1
    IN_TO UART_LCR, SEEN + 2
    OUT_B UART_DLL, 0x01            ; back to 115200 baud
    OUT_B UART_DLM, 0x00
    IN_TO UART_DLL, SEEN + 3
    OUT_B UART_LCR, 0x03            ; DLAB = 0, 8N1
    ; With DLAB = 0, offset 1 is IER again (still 0), not DLM.
    IN_TO UART_IER, SEEN + 4
    CHECK8 "DLL read back", byte [SEEN + 0], 0x0c
    CHECK8 "DLM read back", byte [SEEN + 1], 0x12
    CHECK8 "LCR with DLAB", byte [SEEN + 2], 0x83
    CHECK8 "DLL rewritten", byte [SEEN + 3], 0x01
    CHECK8 "IER visible again after DLAB=0", byte [SEEN + 4], 0x00

    AREA "LSR THRE/TEMT"
    ; Once the last character has gone out, both transmitter-empty bits
    ; are set and no receive/error bit is.
    WAIT_LSR LSR_THRE | LSR_TEMT
    CHECK8 "LSR idle", al, LSR_THRE | LSR_TEMT

    AREA "loopback"
    ; MCR bit 4: THR feeds RBR internally; MSR bits 7:4 show OUT2, OUT1,
    ; DTR, RTS as DCD, RI, DSR, CTS.  Blind phase.
    OUT_B UART_MCR, 0x10
    IN_TO UART_MCR, SEEN + 0
    OUT_B UART_THR, 0x42
    WAIT_LSR LSR_DR
    mov [SEEN + 1], al              ; LSR with the byte received
    IN_TO UART_RBR, SEEN + 2
    IN_TO UART_LSR, SEEN + 3        ; DR cleared by reading RBR
    OUT_B UART_THR, 0xbd
    WAIT_LSR LSR_DR
    IN_TO UART_RBR, SEEN + 4
    IN_TO UART_MSR, SEEN + 5        ; MCR outputs all 0
    OUT_B UART_MCR, 0x11            ; DTR -> DSR (bit 5)
    IN_TO UART_MSR, SEEN + 6
    OUT_B UART_MCR, 0x12            ; RTS -> CTS (bit 4)
    IN_TO UART_MSR, SEEN + 7
    OUT_B UART_MCR, 0x14            ; OUT1 -> RI (bit 6)
    IN_TO UART_MSR, SEEN + 8
    OUT_B UART_MCR, 0x18            ; OUT2 -> DCD (bit 7)
    IN_TO UART_MSR, SEEN + 9
    OUT_B UART_MCR, 0x1f
    IN_TO UART_MSR, SEEN + 10
    IN_TO UART_MCR, SEEN + 11
    OUT_B UART_MCR, 0x00            ; loopback off: output visible again
    and byte [SEEN + 5], 0xf0       ; delta bits 3:0 are not checked
    and byte [SEEN + 6], 0xf0
    and byte [SEEN + 7], 0xf0
    and byte [SEEN + 8], 0xf0
    and byte [SEEN + 9], 0xf0
    and byte [SEEN + 10], 0xf0
    CHECK8 "MCR read back 0x10", byte [SEEN + 0], 0x10
    CHECK8 "LSR.DR after loopback write", byte [SEEN + 1], LSR_DR | LSR_THRE | LSR_TEMT
    CHECK8 "RBR = byte written", byte [SEEN + 2], 0x42
    CHECK8 "LSR.DR cleared by RBR read", byte [SEEN + 3], LSR_THRE | LSR_TEMT
    CHECK8 "second loopback byte", byte [SEEN + 4], 0xbd
    CHECK8 "MSR, no outputs", byte [SEEN + 5], 0x00
    CHECK8 "MSR, DTR -> DSR", byte [SEEN + 6], 0x20
    CHECK8 "MSR, RTS -> CTS", byte [SEEN + 7], 0x10
    CHECK8 "MSR, OUT1 -> RI", byte [SEEN + 8], 0x40
    CHECK8 "MSR, OUT2 -> DCD", byte [SEEN + 9], 0x80
    CHECK8 "MSR, all outputs", byte [SEEN + 10], 0xf0
    CHECK8 "MCR read back 0x1f", byte [SEEN + 11], 0x1f

    AREA "FIFO enable"
    ; FCR bit 0 enables the FIFOs; IIR bits 7:6 then read 11.
    OUT_B UART_FCR, 0x07            ; enable, clear RX and TX FIFOs
    IN_TO UART_IIR, SEEN + 0
    OUT_B UART_FCR, 0x00
    IN_TO UART_IIR, SEEN + 1
    CHECK8 "IIR with FIFOs on", byte [SEEN + 0], 0xc1
    CHECK8 "IIR with FIFOs off", byte [SEEN + 1], 0x01

    AREA "THRE interrupt"
    ; IER only has bits 3:0.
    OUT_B UART_IER, 0xf0
    in al, dx
    CHECK8 "IER upper bits read 0", al, 0x00
    WAIT_LSR LSR_THRE | LSR_TEMT
    ; ETBEI with THR empty: IIR = 0x02 (THR empty, priority 3); reading
    ; IIR with that source identified clears it (datasheet Table 4).
    ; Printing would re-arm it, so record first.
    OUT_B UART_IER, 0x02
    IN_TO UART_IER, SEEN + 0
    IN_TO UART_IIR, SEEN + 1
    IN_TO UART_IIR, SEEN + 2
    OUT_B UART_IER, 0x00
    IN_TO UART_IIR, SEEN + 3
    CHECK8 "IER read back", byte [SEEN + 0], 0x02
    CHECK8 "IIR reports THRE", byte [SEEN + 1], 0x02
    CHECK8 "IIR read cleared THRE", byte [SEEN + 2], 0x01
    CHECK8 "IIR after IER=0", byte [SEEN + 3], 0x01

    FINISH

    ROM_END
