/* A translation block's IR, kept packed.
 *
 * A block's IR in TCGOp/TCGTemp form is large (88 bytes an op, 32 a temp, and every
 * global is copied into each block): about 5 KiB for an average block, 400 MiB of
 * fresh memory for a Debian boot. Once the native backend has compiled a block its IR
 * is read again only to recompile it (after the code buffer was flushed) or to run
 * it on the interpreter (a refused block, a pending flush), so a TB keeps its IR in a
 * byte-packed form about 8 times smaller and unpacks it when it is read:
 *  - into a caller's reusable buffer (TBIRBuffer), for one use (compiling);
 *  - or once into memory owned by the TB (tb_ir), for the interpreter, which reads a
 *    block's IR at every run; that copy lives until the TB is freed.
 * Packing is lossless: unpacking gives back every op field and every temp field. */
#ifndef PACIFICA_TCG_TB_IR_H
#define PACIFICA_TCG_TB_IR_H

#include <stddef.h>
#include <stdint.h>

#include "tcg/tcg.h"

/* A block's IR in the form backends read. */
typedef struct TBIR {
    TCGOp *ops;
    TCGTemp *temps;
    uint32_t *label_ops; /* op index of each label's set_label; UINT32_MAX: never set */
    uint32_t nb_ops, nb_temps, nb_labels;
} TBIR;

/* A TBIR whose arrays are reused from one unpack to the next. */
typedef struct TBIRBuffer {
    TBIR ir;
    TBIR borrowed; /* tb_ir_of_context's view: another's ops and temps, ir's labels */
    uint32_t cap_ops, cap_temps, cap_labels;
} TBIRBuffer;

/* The most bytes any block packs to: a LEB128 varint of 64 bits takes at most 10
 * bytes; an op is a head byte, up to 3 descriptor bytes, 2 call bytes and its args;
 * a temp up to 4 descriptor bytes and 3 varints; then the three counts. */
#define TB_IR_VARINT_MAX 10
#define TB_IR_PACKED_MAX                                                                           \
    (3 * TB_IR_VARINT_MAX + sizeof(void *) + (size_t)TCG_MAX_TEMPS * (4 + 3 * TB_IR_VARINT_MAX) +  \
     (size_t)TCG_MAX_OPS * (1 + 3 + 2 + TCG_MAX_OP_ARGS * TB_IR_VARINT_MAX))

/* The packed bytes of s's current ops, temps and labels: tb_ir_pack writes them to out
 * (room for TB_IR_PACKED_MAX bytes) and returns how many; tb_ir_packed_size only
 * counts them (packing into a buffer of its own: not for hot paths). Packed bytes may
 * hold a reference (see below): a copy of them holds it in their place, and whoever
 * drops the last copy calls tb_ir_packed_release. */
size_t tb_ir_packed_size(const TCGContext *s);
size_t tb_ir_pack(const TCGContext *s, uint8_t *out);
void tb_ir_packed_release(const uint8_t *packed);

/* A context's globals are the same in every block it builds: with a cache
 * (TCGContext.pack_cache, when set) they are packed once into a shared, immutable,
 * reference-counted record that each block's packed IR names, instead of into every
 * block. A change to the globals makes a new record; blocks packed before keep the old
 * one. */
typedef struct TBIRPackCache TBIRPackCache;
TBIRPackCache *tb_ir_pack_cache_new(void);
void tb_ir_pack_cache_free(TBIRPackCache *c);

/* Unpacks into arrays the caller sized for the packed IR's counts (ir's counts are
 * set here) and fills the label table. */
void tb_ir_unpack(const uint8_t *packed, TBIR *ir);
/* Unpacks into buf, growing it as needed. Returns &buf->ir. */
const TBIR *tb_ir_unpack_into(const uint8_t *packed, TBIRBuffer *buf);
void tb_ir_buffer_destroy(TBIRBuffer *buf);
/* A view of s's ops and temps as they are (borrowed: valid until s changes), with the
 * label table built in buf. For compiling a block right after it was built, without
 * packing and unpacking it. */
const TBIR *tb_ir_of_context(const TCGContext *s, TBIRBuffer *buf);

/* The counts stored at the head of packed IR. */
void tb_ir_packed_counts(const uint8_t *packed, uint32_t *nb_ops, uint32_t *nb_temps,
                         uint32_t *nb_labels);

#endif
