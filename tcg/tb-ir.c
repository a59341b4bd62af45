/* Packing a block's IR into bytes and back (see tb-ir.h).
 *
 * The format, all integers as LEB128 varints (7 bits a byte, low bits first) and
 * signed ones zigzag-mapped first so that small negative numbers stay short:
 *   nb_ops, nb_temps, nb_labels
 *   the address of the shared record of the first temps' packed bytes (TBIRGlobals,
 *     the context's globals), as raw pointer bytes, or zero when every temp follows
 *   each other temp: a descriptor byte (type, kind, which of val, env_offset, name are
 *     non-zero, and the overlaps flag), or 0xff then type, kind and those flags as three bytes when
 * type or kind do not fit; then the non-zero fields: val, env_offset, and name as the distance from
 * the previous temp's name (globals' names are neighbouring string literals, so one or two bytes)
 *   each op: opc * 2 + (callo or calli non-zero); a byte with the number of args kept
 *     (up to the last non-zero one) in the low nibble and the type in the high one,
 *     or 0xff then the type when it does not fit; callo and calli when flagged; the
 *     args, zigzagged (temp indices, small constants and labels take one byte).
 * An op's args past the last non-zero one are zero in a TCGOp built by tcg_emit, and
 * they come back zero. */
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "tcg/tb-ir.h"

#define DESC_ESCAPE 0xffu

_Static_assert(TCG_MAX_OP_ARGS < 16, "an op's arg count fits a nibble");

/* The most bytes one temp packs to. */
#define PACKED_TEMP_MAX (4 + 3 * TB_IR_VARINT_MAX)

/* Packing writes through a pointer into a buffer known to be large enough (the
 * maximum sizes of tb-ir.h): one store a byte, no bounds check. Every put returns
 * the position after what it wrote. */
static inline uint8_t *put_byte(uint8_t *p, uint8_t b)
{
    *p = b;
    return p + 1;
}

static inline uint8_t *put_uleb(uint8_t *p, uint64_t v)
{
    _Static_assert(TB_IR_VARINT_MAX * 7 >= 64, "a varint holds 64 bits");
    while (v >= 0x80) {
        *p++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *p++ = (uint8_t)v;
    return p;
}

static uint64_t zigzag(int64_t v)
{
    return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static int64_t unzigzag(uint64_t v)
{
    return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

static inline uint8_t *put_sleb(uint8_t *p, int64_t v)
{
    return put_uleb(p, zigzag(v));
}

typedef struct PackSource {
    const uint8_t *p;
} PackSource;

static uint8_t get_byte(PackSource *src)
{
    return *src->p++;
}

static uint64_t get_uleb(PackSource *src)
{
    uint64_t v = 0;
    for (unsigned shift = 0;; shift += 7) {
        uint8_t b = get_byte(src);
        if (shift < 64) {
            v |= (uint64_t)(b & 0x7f) << shift;
        }
        if (!(b & 0x80)) {
            return v;
        }
    }
}

static int64_t get_sleb(PackSource *src)
{
    return unzigzag(get_uleb(src));
}

/* ---- temps ---- */

#define TEMP_HAS_VAL  1u
#define TEMP_HAS_OFF  2u
#define TEMP_HAS_NAME 4u
#define TEMP_OVERLAPS 8u

static uint8_t *pack_temp(uint8_t *p, const TCGTemp *t, uintptr_t *prev_name)
{
    unsigned has = (t->val ? TEMP_HAS_VAL : 0) | (t->env_offset ? TEMP_HAS_OFF : 0) |
                   (t->name ? TEMP_HAS_NAME : 0) | (t->overlaps ? TEMP_OVERLAPS : 0);
    if (t->type < 2 && t->kind < 4) {
        p = put_byte(p, (uint8_t)(t->type | t->kind << 1 | has << 3));
    } else {
        p = put_byte(p, DESC_ESCAPE);
        p = put_byte(p, t->type);
        p = put_byte(p, t->kind);
        p = put_byte(p, (uint8_t)has);
    }
    if (has & TEMP_HAS_VAL) {
        p = put_sleb(p, t->val);
    }
    if (has & TEMP_HAS_OFF) {
        p = put_sleb(p, (int64_t)t->env_offset);
    }
    if (has & TEMP_HAS_NAME) {
        uintptr_t name = (uintptr_t)t->name;
        p = put_sleb(p, (int64_t)(name - *prev_name));
        *prev_name = name;
    }
    return p;
}

static void unpack_temp(PackSource *src, TCGTemp *t, uintptr_t *prev_name)
{
    memset(t, 0, sizeof(*t));
    uint8_t desc = get_byte(src);
    unsigned has;
    if (desc == DESC_ESCAPE) {
        t->type = get_byte(src);
        t->kind = get_byte(src);
        has = get_byte(src);
    } else {
        t->type = desc & 1;
        t->kind = (desc >> 1) & 3;
        has = desc >> 3;
    }
    t->overlaps = (has & TEMP_OVERLAPS) != 0;
    if (has & TEMP_HAS_VAL) {
        t->val = get_sleb(src);
    }
    if (has & TEMP_HAS_OFF) {
        t->env_offset = (intptr_t)get_sleb(src);
    }
    if (has & TEMP_HAS_NAME) {
        *prev_name += (uintptr_t)get_sleb(src);
        t->name = (const char *)*prev_name;
    }
}

/* ---- ops ---- */

static unsigned op_args_kept(const TCGOp *op)
{
    unsigned n = TCG_MAX_OP_ARGS;
    while (n > 0 && op->args[n - 1] == 0) {
        n--;
    }
    return n;
}

static uint8_t *pack_op(uint8_t *p, const TCGOp *op)
{
    bool call_fields = op->callo || op->calli;
    unsigned nargs = op_args_kept(op);
    p = put_uleb(p, (uint64_t)op->opc * 2 + call_fields);
    if (op->type < 15) {
        p = put_byte(p, (uint8_t)(nargs | op->type << 4));
    } else {
        p = put_byte(p, DESC_ESCAPE);
        p = put_byte(p, (uint8_t)nargs);
        p = put_byte(p, op->type);
    }
    if (call_fields) {
        p = put_byte(p, op->callo);
        p = put_byte(p, op->calli);
    }
    for (unsigned i = 0; i < nargs; i++) {
        p = put_sleb(p, (int64_t)op->args[i]);
    }
    return p;
}

static void unpack_op(PackSource *src, TCGOp *op)
{
    memset(op, 0, sizeof(*op));
    uint64_t head = get_uleb(src);
    op->opc = (uint16_t)(head >> 1);
    uint8_t desc = get_byte(src);
    unsigned nargs;
    if (desc == DESC_ESCAPE) {
        nargs = get_byte(src);
        op->type = get_byte(src);
    } else {
        nargs = desc & 15;
        op->type = desc >> 4;
    }
    if (head & 1) {
        op->callo = get_byte(src);
        op->calli = get_byte(src);
    }
    for (unsigned i = 0; i < nargs && i < TCG_MAX_OP_ARGS; i++) {
        op->args[i] = (TCGArg)get_sleb(src);
    }
}

/* ---- whole blocks ---- */

static void index_labels(TBIR *ir);

/* The packed globals of a context, shared by every block packed with them: a block's
 * packed IR names this record instead of holding the same bytes again (about 130 of
 * the 290 a Linux block packs to). Immutable once made; each packed IR that names it
 * holds a reference (tb_ir_packed_release), and so does the pack cache while it is
 * current. */
typedef struct TBIRGlobals {
    atomic_uint refs;
    unsigned count;      /* temps [0, count) */
    uintptr_t last_name; /* the name the packing of the temps after them is relative to */
    size_t len;
    uint8_t bytes[];
} TBIRGlobals;

struct TBIRPackCache {
    TBIRGlobals *globals;           /* NULL: none yet */
    TCGTemp temps[TCG_MAX_GLOBALS]; /* what globals was packed from */
};

static void globals_release(TBIRGlobals *g)
{
    if (g && atomic_fetch_sub_explicit(&g->refs, 1, memory_order_acq_rel) == 1) {
        free(g);
    }
}

TBIRPackCache *tb_ir_pack_cache_new(void)
{
    TBIRPackCache *c = malloc(sizeof(*c));
    if (!c) {
        abort();
    }
    c->globals = NULL;
    return c;
}

void tb_ir_pack_cache_free(TBIRPackCache *c)
{
    if (c) {
        globals_release(c->globals);
    }
    free(c);
}

/* The shared record of temps [0, count) of s, made anew when they differ from the
 * cached one: a context's globals are made before its first block and do not change,
 * so comparing them with the cached copy (a memcmp) is all it takes most times. */
static TBIRGlobals *cached_globals(TBIRPackCache *c, const TCGContext *s, unsigned count)
{
    TBIRGlobals *g = c->globals;
    if (g && g->count == count && !memcmp(c->temps, s->temps, count * sizeof(TCGTemp))) {
        return g;
    }
    g = malloc(sizeof(*g) + (size_t)count * PACKED_TEMP_MAX);
    if (!g) {
        abort();
    }
    uintptr_t name = 0;
    uint8_t *p = g->bytes;
    for (unsigned i = 0; i < count; i++) {
        p = pack_temp(p, &s->temps[i], &name);
    }
    atomic_init(&g->refs, 1);
    g->count = count;
    g->last_name = name;
    g->len = (size_t)(p - g->bytes);
    memcpy(c->temps, s->temps, count * sizeof(TCGTemp));
    globals_release(c->globals);
    c->globals = g;
    return g;
}

/* The packed IR's reference to its globals' record: the pointer's bytes, or zeros when
 * the temps are all packed inline. */
static uint8_t *put_globals_ref(uint8_t *p, const TBIRGlobals *g)
{
    memcpy(p, &g, sizeof(g));
    return p + sizeof(g);
}

static TBIRGlobals *get_globals_ref(PackSource *src)
{
    TBIRGlobals *g;
    memcpy(&g, src->p, sizeof(g));
    src->p += sizeof(g);
    return g;
}

/* Packs temps [0, count) (the first in the block): a reference to the cache's shared
 * record when s has a cache, else the temps themselves. */
static uint8_t *pack_first_temps(const TCGContext *s, unsigned count, uint8_t *out,
                                 uintptr_t *prev_name)
{
    TBIRPackCache *c = s->pack_cache;
    if (!c || count == 0 || count > TCG_MAX_GLOBALS) {
        out = put_globals_ref(out, NULL);
        for (unsigned i = 0; i < count; i++) {
            out = pack_temp(out, &s->temps[i], prev_name);
        }
        return out;
    }
    TBIRGlobals *g = cached_globals(c, s, count);
    atomic_fetch_add_explicit(&g->refs, 1, memory_order_relaxed);
    *prev_name = g->last_name;
    return put_globals_ref(out, g);
}

static size_t pack_context(const TCGContext *s, uint8_t *out)
{
    uint8_t *p = out;
    p = put_uleb(p, s->nb_ops);
    p = put_uleb(p, s->nb_temps);
    p = put_uleb(p, s->nb_labels);
    uintptr_t prev_name = 0;
    unsigned first = s->nb_globals < s->nb_temps ? s->nb_globals : s->nb_temps;
    p = pack_first_temps(s, first, p, &prev_name);
    for (unsigned i = first; i < s->nb_temps; i++) {
        p = pack_temp(p, &s->temps[i], &prev_name);
    }
    for (unsigned i = 0; i < s->nb_ops; i++) {
        p = pack_op(p, &s->ops[i]);
    }
    return (size_t)(p - out);
}

size_t tb_ir_packed_size(const TCGContext *s)
{
    uint8_t *buf = malloc(TB_IR_PACKED_MAX);
    if (!buf) {
        abort();
    }
    size_t n = pack_context(s, buf);
    tb_ir_packed_release(buf);
    free(buf);
    return n;
}

size_t tb_ir_pack(const TCGContext *s, uint8_t *out)
{
    return pack_context(s, out);
}

void tb_ir_packed_counts(const uint8_t *packed, uint32_t *nb_ops, uint32_t *nb_temps,
                         uint32_t *nb_labels)
{
    PackSource src = {packed};
    *nb_ops = (uint32_t)get_uleb(&src);
    *nb_temps = (uint32_t)get_uleb(&src);
    *nb_labels = (uint32_t)get_uleb(&src);
}

void tb_ir_packed_release(const uint8_t *packed)
{
    PackSource src = {packed};
    get_uleb(&src);
    get_uleb(&src);
    get_uleb(&src);
    globals_release(get_globals_ref(&src));
}

void tb_ir_unpack(const uint8_t *packed, TBIR *ir)
{
    PackSource src = {packed};
    ir->nb_ops = (uint32_t)get_uleb(&src);
    ir->nb_temps = (uint32_t)get_uleb(&src);
    ir->nb_labels = (uint32_t)get_uleb(&src);
    uintptr_t prev_name = 0;
    uint32_t first = 0;
    const TBIRGlobals *g = get_globals_ref(&src);
    if (g) {
        PackSource gsrc = {g->bytes};
        for (; first < g->count && first < ir->nb_temps; first++) {
            unpack_temp(&gsrc, &ir->temps[first], &prev_name);
        }
        prev_name = g->last_name;
    }
    for (uint32_t i = first; i < ir->nb_temps; i++) {
        unpack_temp(&src, &ir->temps[i], &prev_name);
    }
    for (uint32_t i = 0; i < ir->nb_ops; i++) {
        unpack_op(&src, &ir->ops[i]);
    }
    index_labels(ir);
}

/* Grows *array to hold n elements of size bytes (at least one). */
static void *grow(void *array, uint32_t *cap, uint32_t n, size_t size)
{
    if (n <= *cap && array) {
        return array;
    }
    uint32_t want = n > 2 * *cap ? n : 2 * *cap;
    void *p = realloc(array, (want ? want : 1) * size);
    if (!p) {
        abort();
    }
    *cap = want;
    return p;
}

const TBIR *tb_ir_unpack_into(const uint8_t *packed, TBIRBuffer *buf)
{
    uint32_t nb_ops, nb_temps, nb_labels;
    tb_ir_packed_counts(packed, &nb_ops, &nb_temps, &nb_labels);
    buf->ir.ops = grow(buf->ir.ops, &buf->cap_ops, nb_ops, sizeof(TCGOp));
    buf->ir.temps = grow(buf->ir.temps, &buf->cap_temps, nb_temps, sizeof(TCGTemp));
    buf->ir.label_ops = grow(buf->ir.label_ops, &buf->cap_labels, nb_labels, sizeof(uint32_t));
    tb_ir_unpack(packed, &buf->ir);
    return &buf->ir;
}

/* The label table of ir's ops: where each label is set (UINT32_MAX: never set, a
 * branch there leaves the block). */
static void index_labels(TBIR *ir)
{
    for (uint32_t i = 0; i < ir->nb_labels; i++) {
        ir->label_ops[i] = UINT32_MAX;
    }
    for (uint32_t i = 0; i < ir->nb_ops; i++) {
        const TCGOp *op = &ir->ops[i];
        if (op->opc == INDEX_op_set_label && op->args[0] < ir->nb_labels) {
            ir->label_ops[op->args[0]] = i;
        }
    }
}

const TBIR *tb_ir_of_context(const TCGContext *s, TBIRBuffer *buf)
{
    buf->ir.label_ops = grow(buf->ir.label_ops, &buf->cap_labels, s->nb_labels, sizeof(uint32_t));
    buf->borrowed = (TBIR){.ops = s->ops,
                           .temps = (TCGTemp *)s->temps,
                           .label_ops = buf->ir.label_ops,
                           .nb_ops = s->nb_ops,
                           .nb_temps = s->nb_temps,
                           .nb_labels = s->nb_labels};
    index_labels(&buf->borrowed);
    return &buf->borrowed;
}

void tb_ir_buffer_destroy(TBIRBuffer *buf)
{
    free(buf->ir.ops);
    free(buf->ir.temps);
    free(buf->ir.label_ops);
    memset(buf, 0, sizeof(*buf));
}
