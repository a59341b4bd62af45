#include "system/main_loop.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "system/chardev.h"

#define MAX_POLL_FDS 16

static int open_signal_fd(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

static void handle_signal(Machine *m, int sfd)
{
    struct signalfd_siginfo si;
    while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
        /* As QEMU: a terminating signal ends the VM with status 0 after a message. */
        fprintf(stderr, "pacifica: terminating on signal %u\n", si.ssi_signo);
        machine_request_exit(m, 0);
    }
}

static void drain_wake_pipe(Machine *m)
{
    char buf[64];
    while (read(m->wake_fd[0], buf, sizeof(buf)) > 0) {
    }
}

static void do_reset(Machine *m, const AccelOps *accel, void *state)
{
    accel->stop(state);
    atomic_store(&m->reset_requested, false);
    pthread_mutex_lock(&m->lock);
    machine_reset_devices(m);
    pthread_mutex_unlock(&m->lock);
    accel->reset(state);
    accel->start(state);
}

int main_loop_run(Machine *m, const AccelOps *accel, void *state)
{
    int sfd = open_signal_fd();
    bool input_open[8];
    for (unsigned i = 0; i < 8; i++)
        input_open[i] = true;

    clock_start(&m->clock);
    if (accel->start(state) < 0)
        machine_request_exit(m, 1);

    while (!atomic_load(&m->exit_requested)) {
        if (atomic_load(&m->reset_requested))
            do_reset(m, accel, state);

        pthread_mutex_lock(&m->lock);
        int64_t next_ns = clock_run_timers(&m->clock);
        pthread_mutex_unlock(&m->lock);

        struct pollfd fds[MAX_POLL_FDS];
        Chardev *owners[MAX_POLL_FDS];
        unsigned nfds = 0, chr_index[MAX_POLL_FDS];
        fds[nfds++] = (struct pollfd){.fd = m->wake_fd[0], .events = POLLIN};
        if (sfd >= 0)
            fds[nfds++] = (struct pollfd){.fd = sfd, .events = POLLIN};
        unsigned first_chr = nfds;
        for (unsigned i = 0; i < m->nchardevs && nfds < MAX_POLL_FDS; i++) {
            int fd = chardev_input_fd(m->chardevs[i]);
            if (fd < 0 || !input_open[i])
                continue;
            owners[nfds] = m->chardevs[i];
            chr_index[nfds] = i;
            fds[nfds++] = (struct pollfd){.fd = fd, .events = POLLIN};
        }
        int timeout_ms = next_ns < 0 ? 1000 : (int)((next_ns + 999999) / 1000000);
        if (timeout_ms > 1000)
            timeout_ms = 1000;
        int n = poll(fds, nfds, timeout_ms);
        if (n < 0 && errno != EINTR) {
            fprintf(stderr, "pacifica: poll: %s\n", strerror(errno));
            machine_request_exit(m, 1);
            break;
        }
        if (n <= 0)
            continue;
        if (fds[0].revents)
            drain_wake_pipe(m);
        if (sfd >= 0 && fds[1].revents)
            handle_signal(m, sfd);
        for (unsigned i = first_chr; i < nfds; i++) {
            if (!fds[i].revents)
                continue;
            pthread_mutex_lock(&m->lock);
            bool open = chardev_handle_input(owners[i]);
            pthread_mutex_unlock(&m->lock);
            if (!open)
                input_open[chr_index[i]] = false;
        }
    }
    accel->stop(state);
    clock_stop(&m->clock);
    if (sfd >= 0)
        close(sfd);
    return m->exit_status;
}
