; hello.asm - the demo ROM (`make run-demo`): greets over COM1 and exits with
; v=0 (status 1).
%include "lib.inc"

start:
    TEST_INIT
    PRINTLN "Hello from Pacifica!"
    EXIT 0

    ROM_END
