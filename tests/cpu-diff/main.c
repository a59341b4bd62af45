/* cpu-diff: runs instruction sequences on the host CPU and on Pacifica's CPU and
 * compares the results. See tests/cpu-diff/README.md; `cpu-diff --help` lists the
 * options.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cpu/x86/cpu.h"
#include "tests/cpu-diff/cpu-diff.h"

/* Families `--check` (make check) runs: the ones that pass today. The others are
 * listed, with the reason, in README.md. */
static const bool check_families[NB_FAMILIES] = {
    [FAM_ALU] = true,    [FAM_MULDIV] = true,  [FAM_SHIFT] = true, [FAM_SHIFTD] = true,
    [FAM_BIT] = true,    [FAM_BITSCAN] = true, [FAM_XCHG] = true,  [FAM_BRANCH] = true,
    [FAM_STRING] = true, [FAM_FLAGOP] = true,  [FAM_EXCP] = true,  [FAM_MOV] = true,
    [FAM_STACK] = true,  [FAM_BMI] = true,     [FAM_X87] = true,   [FAM_MMX] = true,
    [FAM_SSE] = true,    [FAM_SSE4] = true,    [FAM_AVX] = true,   [FAM_MISC] = true,
};

#define CHECK_SEED         1
#define CHECK_RANDOM       40000
#define CHECK_VARIANTS     8
#define DIRECTED_SEED_SALT 0xd12ec7edull

typedef struct Options {
    unsigned modes; /* bit 0: 64-bit, bit 1: 32-bit */
    uint64_t count, seed;
    bool have_index;
    uint64_t index;
    long entry; /* directed entry to rerun, or -1 */
    unsigned variant;
    const char *case_hex;
    int family;
    bool directed, random;
    unsigned variants;
    unsigned max_insns;
    bool check, list, verbose, dump;
    unsigned jobs;
    unsigned max_report;
} Options;

typedef struct Stats {
    uint64_t cases, mismatches, unimplemented, skipped;
    uint64_t unimpl_by_op[NB_X86_OPS];
    uint64_t mismatch_by_family[NB_FAMILIES];
    /* mismatches where the host raised #UD on an instruction Pacifica's decoder
     * accepts: usually an encoding the decoder should refuse */
    uint64_t host_ud_by_op[NB_X86_OPS];
} Stats;

typedef struct Runner {
    const Options *o;
    Native *native;
    Emu *emu;
    bool native32;
    DiffMode mode;
    Stats st;
    DiffCase c;
    DiffOutcome want, got;
    unsigned reported;
} Runner;

static void usage(FILE *f)
{
    fprintf(f, "usage: cpu-diff [options]\n"
               "  --mode 64|32|both   which modes (default both)\n"
               "  --count N           random cases per mode (default 10000)\n"
               "  --seed S            seed of the random cases (default 1)\n"
               "  --index I           rerun random case I of --seed only\n"
               "  --entry E [--variant V]  rerun directed entry E (variant V) only\n"
               "  --case HEX          run these bytes from the initial state of --seed/--index\n"
               "  --family NAME       only this family (alu, muldiv, shift, ..., see --list)\n"
               "  --directed-only, --random-only\n"
               "  --variants N        initial states per directed entry (default 32)\n"
               "  --max-insns N       instructions per random sequence (default 4)\n"
               "  -j N                worker processes for the random cases\n"
               "  --max-report N      mismatch lines to print per mode (default 50)\n"
               "  --check             the bounded run of make check (TAP lines)\n"
               "  --list              print the directed entries with capstone's reading\n"
               "  -v                  print every case\n"
               "  --dump              print the initial and both final states of each case\n");
}

static bool parse_u64(const char *s, uint64_t *v)
{
    char *end;
    errno = 0;
    unsigned long long x = strtoull(s, &end, 0);
    if (errno || !*s || *end)
        return false;
    *v = x;
    return true;
}

static int parse_args(int argc, char **argv, Options *o)
{
    *o = (Options){.modes = 3,
                   .count = 10000,
                   .seed = 1,
                   .entry = -1,
                   .family = -1,
                   .directed = true,
                   .random = true,
                   .variants = 32,
                   .max_insns = 4,
                   .jobs = 1,
                   .max_report = 50};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        uint64_t v = 0;
#define NEED_VALUE()                                                                               \
    do {                                                                                           \
        if (!val) {                                                                                \
            fprintf(stderr, "cpu-diff: %s needs a value\n", a);                                    \
            return -1;                                                                             \
        }                                                                                          \
        i++;                                                                                       \
    } while (0)
#define NEED_NUMBER()                                                                              \
    do {                                                                                           \
        NEED_VALUE();                                                                              \
        if (!parse_u64(val, &v)) {                                                                 \
            fprintf(stderr, "cpu-diff: %s: not a number: %s\n", a, val);                           \
            return -1;                                                                             \
        }                                                                                          \
    } while (0)
        if (!strcmp(a, "--mode")) {
            NEED_VALUE();
            o->modes = !strcmp(val, "64")     ? 1
                       : !strcmp(val, "32")   ? 2
                       : !strcmp(val, "both") ? 3
                                              : 0;
            if (!o->modes) {
                fprintf(stderr, "cpu-diff: --mode: 64, 32 or both\n");
                return -1;
            }
        } else if (!strcmp(a, "--count")) {
            NEED_NUMBER();
            o->count = v;
        } else if (!strcmp(a, "--seed")) {
            NEED_NUMBER();
            o->seed = v;
        } else if (!strcmp(a, "--index")) {
            NEED_NUMBER();
            o->have_index = true;
            o->index = v;
        } else if (!strcmp(a, "--entry")) {
            NEED_NUMBER();
            o->entry = (long)v;
        } else if (!strcmp(a, "--variant")) {
            NEED_NUMBER();
            o->variant = (unsigned)v;
        } else if (!strcmp(a, "--case")) {
            NEED_VALUE();
            o->case_hex = val;
        } else if (!strcmp(a, "--family")) {
            NEED_VALUE();
            o->family = isa_family_by_name(val);
            if (o->family < 0) {
                fprintf(stderr, "cpu-diff: unknown family %s\n", val);
                return -1;
            }
        } else if (!strcmp(a, "--directed-only")) {
            o->random = false;
        } else if (!strcmp(a, "--random-only")) {
            o->directed = false;
        } else if (!strcmp(a, "--variants")) {
            NEED_NUMBER();
            o->variants = (unsigned)v;
        } else if (!strcmp(a, "--max-insns")) {
            NEED_NUMBER();
            o->max_insns = v < 1 ? 1 : v > DIFF_MAX_INSNS ? DIFF_MAX_INSNS : (unsigned)v;
        } else if (!strcmp(a, "-j")) {
            NEED_NUMBER();
            o->jobs = v < 1 ? 1 : v > 64 ? 64 : (unsigned)v;
        } else if (!strcmp(a, "--max-report")) {
            NEED_NUMBER();
            o->max_report = (unsigned)v;
        } else if (!strcmp(a, "--check")) {
            o->check = true;
        } else if (!strcmp(a, "--list")) {
            o->list = true;
        } else if (!strcmp(a, "-v")) {
            o->verbose = true;
        } else if (!strcmp(a, "--dump")) {
            o->dump = true;
        } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 1;
        } else {
            fprintf(stderr, "cpu-diff: unknown option %s\n", a);
            usage(stderr);
            return -1;
        }
#undef NEED_VALUE
#undef NEED_NUMBER
    }
    return 0;
}

static const char *mode_name(DiffMode m)
{
    return m == DIFF_MODE_64 ? "64" : "32";
}

static void hex_of(const DiffCase *c, char *buf, size_t len)
{
    size_t used = 0;
    for (unsigned i = 0; i < c->len && used + 3 < len; i++)
        used += (size_t)snprintf(buf + used, len - used, "%02x", c->code[i]);
}

/* How to run this case again, for the report. */
static void rerun_hint(const Runner *r, const char *how, char *buf, size_t len)
{
    snprintf(buf, len, "tests/cpu-diff/run --mode %s --seed %" PRIu64 " %s", mode_name(r->mode),
             r->o->seed, how);
}

static void report(Runner *r, DiffVerdict v, const char *why, const char *how)
{
    const Options *o = r->o;
    if (v == DIFF_MATCH && !o->verbose)
        return;
    if (v == DIFF_UNIMPLEMENTED && !o->verbose)
        return;
    if (v == DIFF_MISMATCH && r->reported++ >= o->max_report && !o->verbose)
        return;
    char hex[2 * DIFF_MAX_CODE + 1], dis[512], hint[160];
    hex_of(&r->c, hex, sizeof(hex));
    diff_disas(&r->c, dis, sizeof(dis));
    rerun_hint(r, how, hint, sizeof(hint));
    const char *tag = v == DIFF_MATCH ? "ok" : v == DIFF_MISMATCH ? "MISMATCH" : "UNIMPL";
    printf("%s%s mode=%s seed=%" PRIu64 " %s code=%s [%s]%s%s  (rerun: %s)\n", o->check ? "# " : "",
           tag, mode_name(r->mode), o->seed, how, hex, dis, why[0] ? ": " : "", why, hint);
    fflush(stdout);
}

/* The op at the host's #UD, if the host raised #UD where Pacifica did not. */
static bool host_ud_op(const DiffCase *c, const DiffOutcome *want, const DiffOutcome *got,
                       unsigned *op)
{
    uint64_t off = want->s.r.rip - CD_CODE;
    if (want->vector != EXCP_UD || (got->vector == EXCP_UD && got->s.r.rip == want->s.r.rip) ||
        off >= c->len)
        return false;
    X86Insn in;
    X86CodeSize cs = c->mode == DIFF_MODE_64 ? X86_CODE64 : X86_CODE32;
    if (x86_decode(&in, cs, off, c->code + off, c->len - off) != X86_DECODE_OK)
        return false;
    *op = in.op;
    return true;
}

static DiffFamily case_family(const DiffCase *c)
{
    X86Insn in;
    X86CodeSize cs = c->mode == DIFF_MODE_64 ? X86_CODE64 : X86_CODE32;
    if (x86_decode(&in, cs, 0, c->code, c->len) != X86_DECODE_OK)
        return FAM_EXCP;
    return isa_family(&in);
}

static void dump_regs(const char *title, const DiffRegs *r, int vector)
{
    static const char *const names[16] = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
                                          "r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15"};
    printf("  %s: vector %d rip %" PRIx64 " rflags %" PRIx64 " mxcsr %x fcw %04x fsw %04x "
           "ftw %02x\n   ",
           title, vector, r->rip, r->rflags, r->mxcsr, r->fcw, r->fsw, r->ftw);
    for (int i = 0; i < 16; i++)
        printf(" %s=%" PRIx64 "%s", names[i], r->gpr[i], i % 4 == 3 ? "\n   " : "");
    printf("\n");
}

static void dump_vectors(const DiffRegs *init, const DiffRegs *want, const DiffRegs *got)
{
    for (int i = 0; i < 16; i++) {
        if (!memcmp(init->ymm[i], want->ymm[i], 32) && !memcmp(want->ymm[i], got->ymm[i], 32))
            continue;
        const DiffRegs *rs[3] = {init, want, got};
        static const char *const t[3] = {"init", "host", "pacifica"};
        for (int k = 0; k < 3; k++) {
            printf("    ymm%-2d %-8s ", i, t[k]);
            for (int b = 31; b >= 0; b--)
                printf("%02x%s", rs[k]->ymm[i][b], b % 8 == 0 && b ? "_" : "");
            printf("\n");
        }
    }
    for (int i = 0; i < 8; i++) {
        if (!memcmp(init->st[i], want->st[i], 10) && !memcmp(want->st[i], got->st[i], 10))
            continue;
        const DiffRegs *rs[3] = {init, want, got};
        static const char *const t[3] = {"init", "host", "pacifica"};
        for (int k = 0; k < 3; k++) {
            printf("    st%d %-8s ", i, t[k]);
            for (int b = 9; b >= 0; b--)
                printf("%02x", rs[k]->st[i][b]);
            printf("\n");
        }
    }
}

static void dump_case(const Runner *r)
{
    dump_regs("init", &r->c.init.r, -1);
    dump_regs("host", &r->want.s.r, r->want.vector);
    dump_regs("pacifica", &r->got.s.r, r->got.vector);
    dump_vectors(&r->c.init.r, &r->want.s.r, &r->got.s.r);
}

/* Runs r->c on both sides and accounts for the verdict. */
static void run_one(Runner *r, const char *how)
{
    native_run(r->native, &r->c, r->mode == DIFF_MODE_32 && r->native32, &r->want);
    emu_run(r->emu, &r->c, &r->got);
    char why[1024];
    unsigned op = 0;
    DiffVerdict v = diff_compare(&r->c, &r->want, &r->got, &op, why, sizeof(why));
    r->st.cases++;
    if (v == DIFF_MISMATCH) {
        r->st.mismatches++;
        r->st.mismatch_by_family[case_family(&r->c)]++;
        unsigned ud_op;
        if (host_ud_op(&r->c, &r->want, &r->got, &ud_op))
            r->st.host_ud_by_op[ud_op]++;
    } else if (v == DIFF_UNIMPLEMENTED) {
        r->st.unimplemented++;
        r->st.unimpl_by_op[op < NB_X86_OPS ? op : 0]++;
    }
    report(r, v, why, how);
    if (r->o->dump)
        dump_case(r);
}

static GenConfig gen_config(const Runner *r)
{
    return (GenConfig){.mode = r->mode,
                       .native32 = r->native32,
                       .family = r->o->family,
                       .family_ok = r->o->check ? check_families : NULL,
                       .max_insns = r->o->max_insns};
}

static bool family_selected(const Runner *r, DiffFamily f)
{
    if (r->o->family >= 0 && (int)f != r->o->family)
        return false;
    return !r->o->check || check_families[f];
}

static void run_directed_entry(Runner *r, size_t e, unsigned v0, unsigned v1)
{
    GenConfig cfg = gen_config(r);
    for (unsigned v = v0; v < v1; v++) {
        Rng rng = rng_for_case(r->o->seed ^ DIRECTED_SEED_SALT, r->mode, e << 16 | v);
        if (!directed_case(e, &rng, &cfg, &r->c)) {
            /* not for this mode, or not with these values (a 16-bit SHLD by CL > 16) */
            r->st.skipped++;
            continue;
        }
        char how[64];
        snprintf(how, sizeof(how), "--entry %zu --variant %u", e, v);
        run_one(r, how);
    }
}

static void run_directed(Runner *r, unsigned variants)
{
    for (size_t e = 0; e < directed_count(); e++) {
        if (family_selected(r, directed_entry(e)->family))
            run_directed_entry(r, e, 0, variants);
    }
}

static void make_random_case(Runner *r, uint64_t index)
{
    GenConfig cfg = gen_config(r);
    Rng rng = rng_for_case(r->o->seed, r->mode, index);
    gen_random_case(&rng, &cfg, &r->c);
    r->c.seed = r->o->seed;
    r->c.index = index;
}

static void run_random_range(Runner *r, uint64_t first, uint64_t step, uint64_t count)
{
    for (uint64_t i = first; i < count; i += step) {
        make_random_case(r, i);
        if (r->c.ninsns == 0) {
            r->st.skipped++;
            continue;
        }
        char how[48];
        snprintf(how, sizeof(how), "--index %" PRIu64, i);
        run_one(r, how);
    }
}

static void stats_add(Stats *a, const Stats *b)
{
    a->cases += b->cases;
    a->mismatches += b->mismatches;
    a->unimplemented += b->unimplemented;
    a->skipped += b->skipped;
    for (unsigned i = 0; i < NB_X86_OPS; i++) {
        a->unimpl_by_op[i] += b->unimpl_by_op[i];
        a->host_ud_by_op[i] += b->host_ud_by_op[i];
    }
    for (unsigned i = 0; i < NB_FAMILIES; i++)
        a->mismatch_by_family[i] += b->mismatch_by_family[i];
}

static bool write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t w = write(fd, c, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        c += w;
        n -= (size_t)w;
    }
    return true;
}

static bool read_all(int fd, void *p, size_t n)
{
    char *c = p;
    while (n) {
        ssize_t got = read(fd, c, n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return false;
        c += got;
        n -= (size_t)got;
    }
    return true;
}

/* The random cases of one mode in `jobs` processes: each takes every jobs-th index
 * and sends its statistics back through a pipe. */
static bool run_random_parallel(Runner *r)
{
    unsigned jobs = r->o->jobs;
    int fds[64];
    pid_t pids[64];
    fflush(NULL);
    for (unsigned w = 0; w < jobs; w++) {
        int p[2];
        if (pipe(p) != 0)
            return false;
        pids[w] = fork();
        if (pids[w] < 0)
            return false;
        if (pids[w] == 0) {
            close(p[0]);
            memset(&r->st, 0, sizeof(r->st));
            r->reported = 0;
            run_random_range(r, w, jobs, r->o->count);
            fflush(stdout);
            _exit(write_all(p[1], &r->st, sizeof(r->st)) ? 0 : 1);
        }
        close(p[1]);
        fds[w] = p[0];
    }
    bool ok = true;
    Stats *part = malloc(sizeof(*part));
    for (unsigned w = 0; w < jobs; w++) {
        if (part && read_all(fds[w], part, sizeof(*part)))
            stats_add(&r->st, part);
        else
            ok = false;
        close(fds[w]);
        int status;
        waitpid(pids[w], &status, 0);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            fprintf(stderr, "cpu-diff: worker %u died (status %#x)\n", w, status);
            ok = false;
        }
    }
    free(part);
    return ok;
}

/* The most frequent ops of a histogram, most frequent first. */
static void print_top_ops(const uint64_t *by_op, const char *prefix, const char *title)
{
    bool shown[NB_X86_OPS] = {false};
    bool any = false;
    for (int k = 0; k < 30; k++) {
        unsigned best = 0;
        for (unsigned i = 1; i < NB_X86_OPS; i++)
            if (!shown[i] && by_op[i] > by_op[best])
                best = i;
        if (!by_op[best] || shown[best])
            break;
        shown[best] = true;
        if (!any)
            printf("%s%s:", prefix, title);
        any = true;
        printf(" %s %" PRIu64, x86_op_name(best), by_op[best]);
    }
    if (any)
        printf("\n");
}

static void print_summary(const Runner *r, double secs)
{
    const Stats *st = &r->st;
    const char *pfx = r->o->check ? "# " : "";
    printf("%scpu-diff/%s: %" PRIu64 " cases, %" PRIu64 " mismatches, %" PRIu64
           " unimplemented, %" PRIu64 " skipped (%.1fs)%s\n",
           pfx, mode_name(r->mode), st->cases, st->mismatches, st->unimplemented, st->skipped, secs,
           r->mode == DIFF_MODE_32 && !r->native32 ? " [host runs 64-bit equivalents]" : "");
    if (st->mismatches) {
        printf("%smismatches by family:", pfx);
        for (unsigned f = 0; f < NB_FAMILIES; f++)
            if (st->mismatch_by_family[f])
                printf(" %s %" PRIu64, isa_family_name(f), st->mismatch_by_family[f]);
        printf("\n");
    }
    print_top_ops(st->unimpl_by_op, pfx, "unimplemented ops (cases)");
    print_top_ops(st->host_ud_by_op, pfx,
                  "host #UD where Pacifica runs the instruction (decoder accepts it; cases)");
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* A single case given on the command line. */
static bool run_single(Runner *r)
{
    const Options *o = r->o;
    char how[200];
    if (o->entry >= 0) {
        if ((size_t)o->entry >= directed_count()) {
            fprintf(stderr, "cpu-diff: no directed entry %ld\n", o->entry);
            return false;
        }
        run_directed_entry(r, (size_t)o->entry, o->variant, o->variant + 1);
        return true;
    }
    make_random_case(r, o->index);
    snprintf(how, sizeof(how), "--index %" PRIu64, o->index);
    if (o->case_hex) {
        int n = diff_parse_hex(o->case_hex, r->c.code, DIFF_MAX_CODE - 16);
        char why[200];
        if (n <= 0) {
            fprintf(stderr, "cpu-diff: --case: bad hex\n");
            return false;
        }
        r->c.len = (unsigned)n;
        r->c.origin = "command line";
        if (!gen_analyze(&r->c, r->native32, why, sizeof(why))) {
            fprintf(stderr, "cpu-diff: --case refused: %s\n", why);
            return false;
        }
        snprintf(how, sizeof(how), "--index %" PRIu64 " --case %s", o->index, o->case_hex);
    }
    run_one(r, how);
    return true;
}

static bool run_mode(Runner *r, DiffMode mode)
{
    const Options *o = r->o;
    r->mode = mode;
    memset(&r->st, 0, sizeof(r->st));
    r->reported = 0;
    double t0 = now();
    if (o->have_index || o->entry >= 0 || o->case_hex) {
        r->o = o;
        if (!run_single(r))
            return false;
        return r->st.mismatches == 0;
    }
    if (o->directed)
        run_directed(r, o->check ? CHECK_VARIANTS : o->variants);
    bool ok = true;
    if (o->random && o->count) {
        if (o->jobs > 1)
            ok = run_random_parallel(r);
        else
            run_random_range(r, 0, 1, o->count);
    }
    double secs = now() - t0;
    print_summary(r, secs);
    ok = ok && r->st.mismatches == 0;
    if (o->check) {
        const char *note = mode == DIFF_MODE_32 && !r->native32
                               ? " (64-bit equivalents: the host cannot run 32-bit code)"
                               : "";
        if (ok)
            printf("ok - cpu-diff/%s %" PRIu64 " cases%s\n", mode_name(mode), r->st.cases, note);
        else
            printf("not ok - cpu-diff/%s %" PRIu64 " mismatches in %" PRIu64 " cases\n",
                   mode_name(mode), r->st.mismatches, r->st.cases);
    }
    fflush(stdout);
    return ok;
}

static void list_directed(void)
{
    for (size_t e = 0; e < directed_count(); e++) {
        const DirectedEntry *d = directed_entry(e);
        DiffCase *c = calloc(1, sizeof(*c));
        if (!c)
            return;
        for (DiffMode m = DIFF_MODE_64; m <= DIFF_MODE_32; m++) {
            if (!(d->modes & (m == DIFF_MODE_64 ? DM_64 : DM_32)))
                continue;
            GenConfig cfg = {.mode = m, .native32 = true, .family = -1, .max_insns = 1};
            Rng rng = rng_for_case(1, m, e);
            char dis[512] = "";
            bool ok = directed_case(e, &rng, &cfg, c);
            if (!ok) {
                /* show why */
                int n = diff_parse_hex(d->hex, c->code, DIFF_MAX_CODE - 16);
                char why[200] = "bad hex";
                if (n > 0) {
                    c->len = (unsigned)n;
                    c->mode = m;
                    gen_analyze(c, true, why, sizeof(why));
                }
                printf("%4zu %-7s %s %-40s REFUSED: %s\n", e, isa_family_name(d->family),
                       mode_name(m), d->text, why);
                continue;
            }
            diff_disas(c, dis, sizeof(dis));
            printf("%4zu %-7s %s %-40s | %s\n", e, isa_family_name(d->family), mode_name(m),
                   d->text, dis);
        }
        free(c);
    }
}

int main(int argc, char **argv)
{
    Options o;
    int pr = parse_args(argc, argv, &o);
    if (pr != 0)
        return pr < 0 ? 2 : 0;
    if (o.check)
        o.seed = CHECK_SEED, o.count = CHECK_RANDOM;
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (o.list) {
        list_directed();
        return 0;
    }
    char err[256];
    Runner *r = calloc(1, sizeof(*r));
    if (!r)
        return 1;
    r->o = &o;
    r->native = native_new(err, sizeof(err));
    if (!r->native) {
        /* a host the tests cannot use is not a failure of Pacifica */
        if (o.check) {
            printf("ok - cpu-diff # SKIP %s\n", err);
            return 0;
        }
        printf("cpu-diff: %s\n", err);
        return 1;
    }
    char why[256] = "";
    r->native32 = native_probe_compat(r->native, why, sizeof(why));
    if (!r->native32 && (o.modes & 2) && !o.check)
        printf("cpu-diff: 32-bit mode compared with 64-bit equivalents: %s\n", why);
    if (!r->native32 && (o.modes & 2) && o.check)
        printf("# 32-bit mode compared with 64-bit equivalents: %s\n", why);
    r->emu = emu_new();
    if (!r->emu) {
        printf("%scpu-diff: cannot set up the emulated machine\n", o.check ? "Bail out! " : "");
        return 1;
    }
    bool ok = true;
    if (o.modes & 1)
        ok &= run_mode(r, DIFF_MODE_64);
    if (o.modes & 2)
        ok &= run_mode(r, DIFF_MODE_32);
    emu_free(r->emu);
    native_free(r->native);
    free(r);
    return ok ? 0 : 1;
}
