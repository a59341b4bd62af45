/* pacifica: parse the command line, build the PC, run it, exit with its status. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "accel/accel.h"
#include "hw/pc.h"
#include "system/machine.h"
#include "system/main_loop.h"
#include "system/options.h"

int main(int argc, char **argv)
{
    MachineConfig cfg;
    /* Output to a closed pipe (serial on a pipeline) drops bytes, never kills us. */
    signal(SIGPIPE, SIG_IGN);
    switch (options_parse(&cfg, argc, argv, stdout, stderr)) {
    case OPTIONS_EXIT: return 0;
    case OPTIONS_ERROR: return 2;
    default: break;
    }

    /* A Machine is large (memory maps, locks); it lives on the heap. */
    Machine *m = calloc(1, sizeof(*m));
    if (!m || machine_init(m, &cfg) < 0)
        return 1;
    PCBoard *board = pc_board_create(m);
    if (!board) {
        machine_destroy(m);
        free(m);
        return 1;
    }
    const AccelOps *accel = &accel_tcg_ops;
    void *state = accel->create(m);
    if (!state) {
        fprintf(stderr, "pacifica: cannot create the %s accelerator\n", accel->name);
        return 1;
    }
    machine_reset_devices(m);
    int status = main_loop_run(m, accel, state);
    accel->destroy(state);
    pc_board_destroy(board);
    machine_destroy(m);
    free(m);
    return status;
}
