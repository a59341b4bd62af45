/* Lowering of MMX, SSE through SSE4.2, AES/PCLMUL, AVX/AVX2 and the FXSAVE/XSAVE
 * family.
 *
 * Moves between registers and memory, and between vector and general registers, are
 * lowered to IR loads and stores. Everything else calls one helper per operation
 * (sse_helper*.c) with the byte offsets of its destination and sources in
 * CPUX86State; a memory source is first loaded into env->vec_tmp, completely, so
 * that every fault comes before the helper writes anything (and a memory destination
 * is built in vec_tmp and stored afterwards).
 *
 * Operand conventions of the decoder's rows (cpu/x86/opcodes.c): a row with a VEX
 * form lists VEX.vvvv as H; without VEX, H is the destination. Two-operand rows of
 * binary operations (MMX, and legacy rows without H) have the destination as their
 * first source; unary operations (P_UNARY) take their one source in a (and b).
 *
 * Exceptions checked at translation time (the hflags are part of the TB key), after
 * SDM Vol 2A §2.4 ("AVX and SSE Instruction Exception Specification") and its
 * exception-class tables:
 *   legacy SSE: #UD if CR0.EM or !CR4.OSFXSR, #NM if CR0.TS;
 *   MMX (no XMM operand): #UD if CR0.EM, #NM if CR0.TS, then #MF if an x87 exception
 *     is pending (at run time, with the x87 -> MMX transition);
 *   VEX: #UD in real and virtual-8086 mode or unless XCR0 enables SSE and AVX with
 *     CR4.OSXSAVE, #NM if CR0.TS.
 */
#include "cpu/x86/translate-sse.h"

/* Properties of an op's encodings. */
enum {
    P_UNARY = 1 << 0,       /* one source operand, passed as a (and b) */
    P_UNALIGNED = 1 << 1,   /* legacy 16-byte memory operand without alignment rule */
    P_VEX_ALIGNED = 1 << 2, /* the VEX form checks alignment too (VMOVAPS & co.) */
    P_W0 = 1 << 3,          /* VEX.W1 is #UD */
    P_W1 = 1 << 4,          /* VEX.W0 is #UD */
    P_DST_SRC = 1 << 5,     /* the destination is also the first source (FMA) */
    P_SHIFT = 1 << 6,       /* PSLL/PSRL/PSRA: with an imm8, the count is the imm8 */
    P_SCALAR = 1 << 7,      /* 128-bit whatever VEX.L says ("LIG": MOVSS, MOVSD) */
};

typedef struct SseOp {
    const TCGHelperInfo *helper;
    uint8_t props;
    uint8_t mem[2]; /* memory operand bytes with VEX.L = 0 (and legacy) / 1; 0: by kind */
} SseOp;

/* ---- operands ---- */

static bool is_scalar_xmm_kind(unsigned k)
{
    return k == OPND_Vss || k == OPND_Vsd || k == OPND_Vq || k == OPND_Vd;
}

static bool is_mmx_kind(unsigned k)
{
    return k == OPND_Pq || k == OPND_Pd || k == OPND_Qq || k == OPND_Nq;
}

static bool is_xmm_kind(unsigned k)
{
    switch (k) {
    case OPND_Vx:
    case OPND_Wx:
    case OPND_Ux:
    case OPND_Hx:
    case OPND_Lx:
    case OPND_Vss:
    case OPND_Wss:
    case OPND_Vsd:
    case OPND_Wsd:
    case OPND_Vq:
    case OPND_Wq:
    case OPND_Vd:
    case OPND_Wd: return true;
    default: return false;
    }
}

/* The operand of kind k, except H (whose meaning depends on the row). MMX registers
 * ignore REX.R/REX.B (SDM Vol 2 §2.2.1.2). */
static VecOpnd vec_opnd(const DisasContext *d, unsigned k)
{
    const X86Insn *in = &d->insn;
    bool mem = in->mod != 3;
    switch (k) {
    case OPND_Vx:
    case OPND_Vss:
    case OPND_Vsd:
    case OPND_Vq:
    case OPND_Vd: return vo(VK_XMM, in->reg);
    case OPND_Wx:
    case OPND_Wss:
    case OPND_Wsd:
    case OPND_Wq:
    case OPND_Wd: return mem ? vo(VK_MEM, 0) : vo(VK_XMM, in->rm);
    case OPND_Ux: return vo(VK_XMM, in->rm);
    /* SDM Vol 2 §2.3.5: imm8[7:4] names the register; bit 7 is ignored outside 64-bit
     * mode. */
    case OPND_Lx: return vo(VK_XMM, (in->imm >> 4) & (d->code == X86_CODE64 ? 15 : 7));
    case OPND_Pq:
    case OPND_Pd: return vo(VK_MMX, in->reg & 7);
    case OPND_Qq: return mem ? vo(VK_MEM, 0) : vo(VK_MMX, in->rm & 7);
    case OPND_Nq: return vo(VK_MMX, in->rm & 7);
    case OPND_M: return vo(VK_MEM, 0);
    case OPND_Eb:
    case OPND_Ew:
    case OPND_Ed:
    case OPND_Eq:
    case OPND_Ey: return mem ? vo(VK_MEM, 0) : vo(VK_GPR, in->rm);
    case OPND_Gd:
    case OPND_Gy: return vo(VK_GPR, in->reg);
    default: return vo(VK_NONE, 0);
    }
}

static bool vex_256(const DisasContext *d)
{
    return d->insn.vex && d->insn.vex_l;
}

/* SDM Vol 2B PUNPCKLBW/PUNPCKLWD/PUNPCKLDQ: the MMX forms read only 32 bits ("mm/m32"),
 * which sets their alignment check and the bytes that may fault. */
static bool mmx_reads_m32(const DisasContext *d, unsigned k)
{
    unsigned op = d->insn.op;
    return k == OPND_Qq &&
           (op == X86_OP_PUNPCKLBW || op == X86_OP_PUNPCKLWD || op == X86_OP_PUNPCKLDQ);
}

/* Bytes of the memory operand of kind k. */
static unsigned vec_mem_size(const DisasContext *d, const SseOp *so, unsigned k)
{
    unsigned l = vex_256(d);
    if (mmx_reads_m32(d, k))
        return 4;
    if (so->mem[l])
        return so->mem[l];
    switch (k) {
    case OPND_Wss:
    case OPND_Wd: return 4;
    case OPND_Wsd:
    case OPND_Wq:
    case OPND_Qq:
    case OPND_Pq: return 8;
    default: return l ? 32 : 16;
    }
}

/* Legacy SSE: 16-byte operands are aligned unless the instruction says otherwise;
 * VEX: only the explicitly aligned moves check (SDM Vol 1 §14.9, "Memory Alignment"). */
static bool mem_needs_alignment(const DisasContext *d, const SseOp *so, unsigned size)
{
    if (d->insn.vex)
        return (so->props & P_VEX_ALIGNED) != 0;
    return size == 16 && !(so->props & P_UNALIGNED);
}

/* ---- IR helpers ---- */

/* addr + off, wrapped to 32 bits outside 64-bit mode. */
static TCGv gen_addr_plus(DisasContext *d, TCGv addr, unsigned off)
{
    if (!off)
        return addr;
    TCGv a = tmp(d);
    tcg_gen_addi(d->s, a, addr, off);
    if (d->code != X86_CODE64)
        tcg_gen_op2(d->s, INDEX_op_ext32u, a, a);
    return a;
}

/* #GP(0) unless addr is aligned on size. (A test inline with the call only on the
 * misaligned path measured no faster: the label it needs syncs the registers and adds
 * an exit-request check.) */
static void gen_check_align(DisasContext *d, TCGv addr, unsigned size)
{
    CALL(d, sse_check_align, d->s->env, addr, cst(d, size - 1));
}

/* Raises now any fault a store of size bytes at addr would raise. */
static void gen_probe_store(DisasContext *d, TCGv addr, unsigned size)
{
    CALL(d, sse_probe_write, d->s->env, addr,
         cst(d, size | (d->code == X86_CODE64 ? SSE_CTL_CODE64 : 0)));
}

/* Loads size bytes at addr into temps (every load before anything is written). */
static void gen_load_chunks(DisasContext *d, TCGv addr, unsigned size, TCGv *chunks)
{
    if (size < 8) {
        chunks[0] = gen_ld_mem(d, addr, size);
        return;
    }
    for (unsigned i = 0; i < size / 8; i++)
        chunks[i] = gen_ld_mem(d, gen_addr_plus(d, addr, 8 * i), 8);
}

static void gen_store_chunks(DisasContext *d, unsigned off, unsigned size, const TCGv *chunks)
{
    if (size < 8) {
        gen_env_st(d, chunks[0], off, 8); /* zero-extended into the first quadword */
        return;
    }
    for (unsigned i = 0; i < size / 8; i++)
        gen_env_st(d, chunks[i], off + 8 * i, 8);
}

/* Memory operand -> env at off. */
static void gen_mem_to_env(DisasContext *d, TCGv addr, unsigned off, unsigned size)
{
    TCGv chunks[4];
    gen_load_chunks(d, addr, size, chunks);
    gen_store_chunks(d, off, size, chunks);
}

/* env at off -> memory. A store of several quadwords may straddle into a page that
 * faults: unless the caller has probed it (probed) the store is probed first when it
 * crosses a page, so that the #PF comes before any byte is written (SDM Vol 3A §6.6:
 * a fault leaves memory as it was before the instruction). Within one page the first
 * quadword's store faults if any would. (Outside 64-bit mode addresses wrap at 4 GiB,
 * a page boundary too.) */
static void gen_env_to_mem(DisasContext *d, TCGv addr, unsigned off, unsigned size, bool probed)
{
    if (size <= 8) {
        gen_st_mem(d, addr, gen_env_ld(d, off, size), size);
        return;
    }
    if (!probed) {
        TCGLabel one_page = tcg_label_new(d->s);
        TCGv in_page = tmp(d);
        tcg_gen_andi(d->s, in_page, addr, 0xfff);
        tcg_gen_brcondi(d->s, TCG_COND_LEU, in_page, 0x1000 - size, one_page);
        gen_probe_store(d, addr, size);
        tcg_gen_set_label(d->s, one_page);
    }
    for (unsigned i = 0; i < size / 8; i++)
        gen_st_mem(d, gen_addr_plus(d, addr, 8 * i), gen_env_ld(d, off + 8 * i, 8), 8);
}

/* ---- exception checks ---- */

static bool real_or_vm86(const DisasContext *d)
{
    return !(d->flags & HF_PE) || (d->flags & HF_VM);
}

/* Emits the #UD/#NM an instruction raises before executing in this mode; returns
 * false if it did. uses_xmm: the instruction touches XMM state (OSFXSR needed). */
static bool gen_sse_enabled(DisasContext *d, bool uses_xmm)
{
    const X86Insn *in = &d->insn;
    int excp = -1;
    if (in->vex) {
        if (real_or_vm86(d) || !(d->flags & HF_AVX_EN))
            excp = EXCP_UD;
    } else if ((d->flags & HF_EM) || (uses_xmm && !(d->flags & HF_OSFXSR))) {
        excp = EXCP_UD;
    }
    if (excp < 0 && (d->flags & HF_TS))
        excp = EXCP_NM;
    if (excp < 0)
        return true;
    gen_exception(d, excp);
    return false;
}

/* The row's operands say whether it touches XMM and MMX registers. */
static bool row_uses_xmm(const DisasContext *d)
{
    for (unsigned i = 0; i < 4; i++)
        if (is_xmm_kind(d->insn.entry->opnd[i]))
            return true;
    return false;
}

static bool row_has_mmx_reg(const DisasContext *d)
{
    for (unsigned i = 0; i < 4; i++) {
        unsigned k = d->insn.entry->opnd[i];
        if (is_mmx_kind(k) && (k != OPND_Qq || d->insn.mod == 3))
            return true;
    }
    return false;
}

/* SDM Vol 2A CVTPI2PS/CVTPI2PD: with a memory source there is no MMX register, so
 * no transition (row_has_mmx_reg says so). An instruction with an MMX register and a
 * memory operand makes the transition only once its memory accesses are done, so that
 * a fault on them leaves the x87 TOP and tags alone (precise exceptions). */
static bool mmx_transition_deferred(const DisasContext *d)
{
    return d->insn.mod != 3 && row_has_mmx_reg(d);
}

/* The deferred x87 -> MMX transition: called by the lowerings of rows that may have
 * both an MMX register and a memory operand, after their last memory access. */
static void gen_mmx_transition_after_mem(DisasContext *d)
{
    if (mmx_transition_deferred(d))
        CALL(d, mmx_enter, d->s->env);
}

/* Checks the mode, VEX.W and does the x87 -> MMX transition (unless deferred); false
 * if an exception was emitted. */
static bool gen_vec_prologue(DisasContext *d, const SseOp *so)
{
    if (!gen_sse_enabled(d, row_uses_xmm(d)))
        return false;
    if (d->insn.vex &&
        (((so->props & P_W0) && d->insn.rex_w) || ((so->props & P_W1) && !d->insn.rex_w))) {
        gen_exception(d, EXCP_UD);
        return false;
    }
    if (row_has_mmx_reg(d) && !mmx_transition_deferred(d))
        CALL(d, mmx_enter, d->s->env);
    return true;
}

/* ---- the generic vector operation ---- */

static const SseOp sse_ops[NB_X86_OPS];

/* The legacy rows with XMM0 as an implicit third source: the variable blends' mask
 * (SDM Vol 2B BLENDVPS) and SHA256RNDS2's W+K pair. */
static bool reads_xmm0(unsigned op)
{
    return op == X86_OP_PBLENDVB || op == X86_OP_BLENDVPS || op == X86_OP_BLENDVPD ||
           op == X86_OP_SHA256RNDS2;
}

/* Emits helper(dest, sources) for the current row with the properties of so; imm is
 * the imm8 field of ctl for rows without an imm8. */
static void gen_vec_op_imm(DisasContext *d, const SseOp *so, const TCGHelperInfo *helper,
                           uint8_t props, unsigned imm)
{
    const X86Insn *in = &d->insn;
    const X86OpcodeEntry *e = in->entry;
    VecOpnd dst, src[3];
    unsigned nsrc = 0, mem_kind = 0;
    bool has_imm = false, h_source = false, mem_src = false;

    if (!gen_vec_prologue(d, so))
        return;
    /* Shifts by imm8 ({H, U, Ib}): the destination is VEX.vvvv, or r/m without VEX. */
    if (e->opnd[0] == OPND_Hx)
        dst = in->vex ? vo(VK_XMM, in->vex_vvvv) : vec_opnd(d, e->opnd[1]);
    else
        dst = vec_opnd(d, e->opnd[0]);
    for (unsigned i = 1; i < 4 && e->opnd[i] != OPND_NONE; i++) {
        unsigned k = e->opnd[i];
        VecOpnd o;
        if (k == OPND_Ib) {
            has_imm = true;
            continue;
        }
        if (k == OPND_Hx) {
            h_source = true;
            o = in->vex ? vo(VK_XMM, in->vex_vvvv) : dst;
        } else {
            o = vec_opnd(d, k);
        }
        if (o.kind == VK_MEM) {
            mem_kind = k;
            mem_src = true;
        }
        src[nsrc++] = o;
    }
    if (props & P_DST_SRC) {
        src[2] = src[1];
        src[1] = src[0];
        src[0] = dst;
        nsrc = 3;
    }
    if (nsrc == 0) {
        src[nsrc++] = dst; /* MMX shift by imm8: {N, Ib} */
    } else if (nsrc == 1 && !h_source && e->opnd[0] != OPND_Hx && !(props & P_UNARY)) {
        src[1] = src[0]; /* legacy two-operand binary form: the destination is a */
        src[0] = dst;
        nsrc = 2;
    }
    if (nsrc == 1)
        src[nsrc++] = src[0];
    if (nsrc == 2 && reads_xmm0(in->op) && !in->vex)
        src[nsrc++] = vo(VK_XMM, 0);
    if (nsrc == 2)
        src[nsrc++] = src[0];

    bool wide = vex_256(d) && !is_scalar_xmm_kind(e->opnd[0]) && !(props & P_SCALAR);
    unsigned oprsz = dst.kind == VK_MMX ? 8 : wide ? 32 : 16;
    uint64_t ctl = (has_imm ? (in->imm & 0xff) : imm) | (uint64_t)oprsz << SSE_CTL_SIZE_SHIFT;
    if (in->vex)
        ctl |= SSE_CTL_VEX;
    if (dst.kind == VK_MMX)
        ctl |= SSE_CTL_MMX_DST;
    if (mem_src)
        ctl |= SSE_CTL_B_MEM;
    if (oprsz == 32)
        ctl |= SSE_CTL_L256;
    if (in->rex_w && d->code == X86_CODE64)
        ctl |= SSE_CTL_REX_W;
    if ((props & P_SHIFT) && has_imm)
        ctl |= SSE_CTL_IMM_COUNT;

    /* The common integer operations run inline on the halves of their operands. */
    SseInlineFn *inline_fn = NULL;
    unsigned mem_size = mem_src ? vec_mem_size(d, so, mem_kind) : 0;
    if (dst.kind != VK_MEM && !(props & P_DST_SRC) && helper == so->helper)
        inline_fn = sse_inline_fn(helper, oprsz, mem_size, (props & P_SHIFT) && has_imm);
    TCGv addr = TCG_NO_RET, mem_chunks[4];
    if (mem_src || dst.kind == VK_MEM) {
        unsigned size = vec_mem_size(d, so, mem_src ? mem_kind : e->opnd[0]);
        addr = gen_ea(d);
        if (mem_needs_alignment(d, so, size))
            gen_check_align(d, addr, size);
        if (mem_src && inline_fn)
            gen_load_chunks(d, addr, size, mem_chunks);
        else if (mem_src)
            gen_mem_to_env(d, addr, SSE_TMP_OFFSET, size);
        else /* the helper may set MXCSR flags: the store must not fault after it */
            gen_probe_store(d, addr, size);
    }
    /* After the memory accesses, before the helper's #XM: the order the host shows. */
    gen_mmx_transition_after_mem(d);
    if (inline_fn) {
        gen_sse_inline(d, inline_fn, dst, src[0], src[1], mem_chunks, mem_size, oprsz);
        return;
    }
    uint64_t regs =
        sse_regs(vec_offset(dst), vec_offset(src[0]), vec_offset(src[1]), vec_offset(src[2]));
    TCGv args[3] = {d->s->env, cst(d, (int64_t)regs), cst(d, (int64_t)ctl)};
    gen_call(d, helper, 3, args);
    if (dst.kind == VK_MEM)
        gen_env_to_mem(d, addr, SSE_TMP_OFFSET, vec_mem_size(d, so, e->opnd[0]), true);
}

/* Emits helper(dest, sources) for the current row with the properties of so. */
static void gen_vec_op(DisasContext *d, const SseOp *so, const TCGHelperInfo *helper, uint8_t props)
{
    gen_vec_op_imm(d, so, helper, props, 0);
}

static unsigned fma_kind(unsigned op)
{
    switch (op) {
    case X86_OP_VFMADDP:
    case X86_OP_VFMADDS: return SSE_FMA_MADD;
    case X86_OP_VFMSUBP:
    case X86_OP_VFMSUBS: return SSE_FMA_MSUB;
    case X86_OP_VFNMADDP:
    case X86_OP_VFNMADDS: return SSE_FMA_NMADD;
    case X86_OP_VFNMSUBP:
    case X86_OP_VFNMSUBS: return SSE_FMA_NMSUB;
    case X86_OP_VFMADDSUBP: return SSE_FMA_MADDSUB;
    default: return SSE_FMA_MSUBADD;
    }
}

/* FMA: three sources (the destination first), the form (132/213/231) from the
 * opcode's high nibble, the element size from VEX.W (SDM Vol 2A VFMADD132PS: W0 PS/SS,
 * W1 PD/SD), which also sizes a scalar memory operand. */
static void lower_fma(DisasContext *d)
{
    const X86Insn *in = &d->insn;
    bool scalar = is_scalar_xmm_kind(in->entry->opnd[0]);
    unsigned esz = in->rex_w ? 8 : 4;
    SseOp so = {&helper_info_vfma, P_DST_SRC, {0, 0}};
    if (scalar)
        so.mem[0] = so.mem[1] = (uint8_t)esz;
    unsigned imm = (unsigned)((in->opcode >> 4) - 9) | (in->rex_w ? SSE_FMA_DOUBLE : 0) |
                   (scalar ? SSE_FMA_SCALAR : 0) | fma_kind(in->op) << SSE_FMA_KIND_SHIFT;
    gen_vec_op_imm(d, &so, so.helper, so.props, imm);
}

static void lower_vec(DisasContext *d)
{
    const SseOp *so = &sse_ops[d->insn.op];
    gen_vec_op(d, so, so->helper, so->props);
}

/* VPERMILPS/VPERMILPD: the imm8 form is unary with its own helper. */
static void lower_vpermil(DisasContext *d)
{
    const SseOp *so = &sse_ops[d->insn.op];
    bool imm = d->insn.entry->opnd[2] == OPND_Ib;
    const TCGHelperInfo *h = d->insn.op == X86_OP_VPERMILPS
                                 ? (imm ? &helper_info_vpermilps_imm : &helper_info_vpermilps)
                                 : (imm ? &helper_info_vpermilpd_imm : &helper_info_vpermilpd);
    gen_vec_op(d, so, h, so->props | (imm ? P_UNARY : 0));
}

/* ---- results in general registers or EFLAGS ---- */

/* PMOVMSKB, MOVMSKPS/PD, CVT(T)SS2SI/CVT(T)SD2SI ({G, source}) and PTEST, VTESTPS/PD,
 * (U)COMISS/(U)COMISD ({register, source}: the flags). */
static void lower_ret(DisasContext *d)
{
    const X86Insn *in = &d->insn;
    const X86OpcodeEntry *e = in->entry;
    const SseOp *so = &sse_ops[in->op];
    bool to_gpr = e->opnd[0] == OPND_Gd || e->opnd[0] == OPND_Gy;
    VecOpnd s1 = vec_opnd(d, e->opnd[0]), s2 = vec_opnd(d, e->opnd[1]);
    if (!gen_vec_prologue(d, so))
        return;
    if (to_gpr)
        s1 = s2;
    unsigned oprsz = s2.kind == VK_MMX ? 8 : (vex_256(d) && e->opnd[1] == OPND_Wx) ? 32 : 16;
    if (e->opnd[1] == OPND_Ux && vex_256(d))
        oprsz = 32;
    uint64_t ctl = (uint64_t)oprsz << SSE_CTL_SIZE_SHIFT;
    if (in->vex)
        ctl |= SSE_CTL_VEX;
    bool wide = in->rex_w && d->code == X86_CODE64;
    if (wide)
        ctl |= SSE_CTL_REX_W;
    if (s2.kind == VK_MEM) {
        unsigned size = vec_mem_size(d, so, e->opnd[1]);
        TCGv addr = gen_ea(d);
        if (mem_needs_alignment(d, so, size))
            gen_check_align(d, addr, size);
        gen_mem_to_env(d, addr, SSE_TMP_OFFSET, size);
    }
    gen_mmx_transition_after_mem(d);
    uint64_t regs = sse_regs(0, vec_offset(s1), vec_offset(s2), 0);
    TCGv args[3] = {d->s->env, cst(d, (int64_t)regs), cst(d, (int64_t)ctl)};
    TCGv r = (in->op == X86_OP_PMOVMSKB && oprsz <= 16) ? gen_pmovmskb_inline(d, s2, oprsz)
                                                        : gen_call(d, so->helper, 3, args);
    if (to_gpr)
        gen_st_reg(d, in->reg, (e->opnd[0] == OPND_Gy && wide) ? 8 : 4, r);
    else
        gen_set_eflags_arith(d, r);
}

/* ---- moves ---- */

/* MOVAPS/MOVUPS/MOVAPD/MOVUPD/MOVDQA/MOVDQU/LDDQU/MOVNT*: whole registers. */
static void lower_mov(DisasContext *d)
{
    const X86Insn *in = &d->insn;
    const X86OpcodeEntry *e = in->entry;
    const SseOp *so = &sse_ops[in->op];
    VecOpnd dst = vec_opnd(d, e->opnd[0]), src = vec_opnd(d, e->opnd[1]);
    unsigned size = vex_256(d) ? 32 : 16;
    if (!gen_vec_prologue(d, so))
        return;
    TCGv chunks[4];
    if (src.kind == VK_MEM || dst.kind == VK_MEM) {
        TCGv addr = gen_ea(d);
        bool aligned = mem_needs_alignment(d, so, size);
        if (aligned)
            gen_check_align(d, addr, size); /* then it cannot cross a page */
        if (dst.kind == VK_MEM) {
            gen_env_to_mem(d, addr, sse_vec_offset(src.reg), size, aligned);
            return;
        }
        gen_load_chunks(d, addr, size, chunks);
    } else {
        for (unsigned i = 0; i < size / 8; i++)
            chunks[i] = gen_env_ld(d, sse_vec_offset(src.reg) + 8 * i, 8);
    }
    gen_store_chunks(d, sse_vec_offset(dst.reg), size, chunks);
    if (size == 16)
        gen_vex_zero_upper(d, dst.reg);
}

/* MOVSS/MOVSD: a load zero-extends, a store writes one element, the register forms
 * merge (helper). */
static void lower_movss(DisasContext *d)
{
    const X86Insn *in = &d->insn;
    const X86OpcodeEntry *e = in->entry;
    const SseOp *so = &sse_ops[in->op];
    unsigned esz = in->op == X86_OP_MOVSS ? 4 : 8;
    if (in->mod == 3) {
        gen_vec_op(d, so, so->helper, so->props);
        return;
    }
    if (!gen_vec_prologue(d, so))
        return;
    TCGv addr = gen_ea(d);
    if (e->opnd[0] == OPND_Vx) {
        TCGv v = gen_ld_mem(d, addr, esz);
        unsigned off = sse_vec_offset(in->reg);
        gen_env_st(d, v, off, 8);
        gen_env_zero(d, off + 8, 8);
        gen_vex_zero_upper(d, in->reg);
    } else {
        gen_env_to_mem(d, addr, sse_vec_offset(in->reg), esz, false);
    }
}

/* MOVLPS/MOVLPD/MOVHPS/MOVHPD: the loads merge (helper), the stores write one
 * quadword. */
static void lower_movlh(DisasContext *d)
{
    const X86Insn *in = &d->insn;
    const SseOp *so = &sse_ops[in->op];
    if (in->entry->opnd[0] != OPND_Wq) {
        gen_vec_op(d, so, so->helper, so->props);
        return;
    }
    if (!gen_vec_prologue(d, so))
        return;
    bool high = in->op == X86_OP_MOVHPS || in->op == X86_OP_MOVHPD;
    gen_env_to_mem(d, gen_ea(d), sse_vec_offset(in->reg) + (high ? 8 : 0), 8, false);
}

/* MOVD/MOVQ in all their forms, MOVNTQ, MOVQ2DQ, MOVDQ2Q: 4 or 8 bytes from a general
 * register, memory, an MMX or XMM register to another; an XMM destination is
 * zero-extended to 128 bits (SDM Vol 2B MOVD/MOVQ). */
static void lower_movdq(DisasContext *d)
{
    const X86Insn *in = &d->insn;
    const X86OpcodeEntry *e = in->entry;
    const SseOp *so = &sse_ops[in->op];
    unsigned size = in->op == X86_OP_MOVD ? 4 : 8;
    VecOpnd dst = vec_opnd(d, e->opnd[0]), src = vec_opnd(d, e->opnd[1]);
    if (!gen_vec_prologue(d, so))
        return;
    TCGv addr = TCG_NO_RET, v;
    if (src.kind == VK_MEM || dst.kind == VK_MEM)
        addr = gen_ea(d);
    switch (src.kind) {
    case VK_XMM: v = gen_env_ld(d, sse_vec_offset(src.reg), size); break;
    case VK_MMX: v = gen_env_ld(d, sse_mmx_offset(src.reg), size); break;
    case VK_GPR: v = gen_ld_reg(d, src.reg, size); break;
    default: v = gen_ld_mem(d, addr, size); break;
    }
    /* MOVD/MOVQ mm, m: an #MF of the transition leaves the MMX register unwritten */
    if (dst.kind != VK_MEM)
        gen_mmx_transition_after_mem(d);
    switch (dst.kind) {
    case VK_XMM: {
        unsigned off = sse_vec_offset(dst.reg);
        gen_env_st(d, v, off, 8);
        gen_env_zero(d, off + 8, 8);
        gen_vex_zero_upper(d, dst.reg);
        break;
    }
    case VK_MMX: gen_mmx_write(d, dst.reg, v); break;
    case VK_GPR: gen_st_reg(d, dst.reg, size, v); break;
    default:
        /* MOVD/MOVQ m, mm: the store must neither fault after the transition nor be
         * made before its #MF, so its alignment (#AC) and page are checked first. */
        if (mmx_transition_deferred(d)) {
            gen_check_alignment(d, addr, size);
            gen_probe_store(d, addr, size);
        }
        gen_mmx_transition_after_mem(d);
        gen_st_mem(d, addr, v, size);
        return;
    }
}

/* PINSRB/PINSRW/PINSRD/PINSRQ: an element from a general register or memory into a
 * copy of the first source (SDM Vol 2B PINSRB; the index is imm8 modulo the count). */
static void lower_pinsr(DisasContext *d)
{
    const X86Insn *in = &d->insn;
    const X86OpcodeEntry *e = in->entry;
    const SseOp *so = &sse_ops[in->op];
    unsigned esz = in->op == X86_OP_PINSRB   ? 1
                   : in->op == X86_OP_PINSRW ? 2
                   : in->op == X86_OP_PINSRD ? 4
                                             : 8;
    bool mmx = e->opnd[0] == OPND_Pq;
    unsigned ei = e->opnd[1] == OPND_Hx ? 2 : 1;
    VecOpnd dst = vec_opnd(d, e->opnd[0]), val_opnd = vec_opnd(d, e->opnd[ei]);
    if (!gen_vec_prologue(d, so))
        return;
    TCGv v;
    if (val_opnd.kind == VK_GPR)
        v = gen_ld_reg(d, val_opnd.reg, esz == 8 ? 8 : 4); /* r32: no byte registers */
    else
        v = gen_ld_mem(d, gen_ea(d), esz);
    unsigned idx = (unsigned)in->imm & ((mmx ? 8 : 16) / esz - 1);
    if (mmx) {
        gen_mmx_transition_after_mem(d); /* its #MF comes before the register write */
        TCGv old = gen_env_ld(d, sse_mmx_offset(dst.reg), 8);
        tcg_gen_deposit(d->s, old, old, v, 8 * esz * idx, 8 * esz);
        gen_mmx_write(d, dst.reg, old);
        return;
    }
    unsigned off = sse_vec_offset(dst.reg);
    if (in->vex && in->vex_vvvv != dst.reg) {
        unsigned src = sse_vec_offset(in->vex_vvvv);
        TCGv lo = gen_env_ld(d, src, 8), hi = gen_env_ld(d, src + 8, 8);
        gen_env_st(d, lo, off, 8);
        gen_env_st(d, hi, off + 8, 8);
    }
    gen_env_st(d, v, off + esz * idx, esz);
    gen_vex_zero_upper(d, dst.reg);
}

/* PEXTRB/PEXTRW/PEXTRD/PEXTRQ/EXTRACTPS: an element to a general register (zero-
 * extended) or memory. */
static void lower_pextr(DisasContext *d)
{
    const X86Insn *in = &d->insn;
    const X86OpcodeEntry *e = in->entry;
    const SseOp *so = &sse_ops[in->op];
    unsigned esz = in->op == X86_OP_PEXTRB   ? 1
                   : in->op == X86_OP_PEXTRW ? 2
                   : in->op == X86_OP_PEXTRQ ? 8
                                             : 4;
    VecOpnd dst = vec_opnd(d, e->opnd[0]), src = vec_opnd(d, e->opnd[1]);
    if (!gen_vec_prologue(d, so))
        return;
    unsigned lane = src.kind == VK_MMX ? 8 : 16;
    unsigned idx = (unsigned)in->imm & (lane / esz - 1);
    TCGv v = gen_env_ld(d, vec_offset(src) + esz * idx, esz);
    if (dst.kind == VK_GPR)
        gen_st_reg(d, dst.reg, esz == 8 ? 8 : 4, v);
    else
        gen_st_mem(d, gen_ea(d), v, esz);
}

/* CVTSI2SS/CVTSI2SD {V, H, Ey}. */
static void lower_cvtsi2s(DisasContext *d)
{
    const X86Insn *in = &d->insn;
    const SseOp *so = &sse_ops[in->op];
    bool wide = in->rex_w && d->code == X86_CODE64;
    unsigned size = wide ? 8 : 4;
    VecOpnd src = vec_opnd(d, OPND_Ey);
    if (!gen_vec_prologue(d, so))
        return;
    TCGv v = src.kind == VK_GPR ? gen_ld_reg(d, src.reg, size) : gen_ld_mem(d, gen_ea(d), size);
    unsigned a = in->vex ? in->vex_vvvv : in->reg;
    uint64_t regs = sse_regs(sse_vec_offset(in->reg), sse_vec_offset(a), 0, 0);
    uint64_t ctl =
        16u << SSE_CTL_SIZE_SHIFT | (in->vex ? SSE_CTL_VEX : 0) | (wide ? SSE_CTL_REX_W : 0);
    TCGv args[4] = {d->s->env, cst(d, (int64_t)regs), cst(d, (int64_t)ctl), v};
    gen_call(d, so->helper, 4, args);
}

/* PCMPESTRI/PCMPESTRM/PCMPISTRI/PCMPISTRM {V, W, Ib}: flags, and ECX or XMM0. */
static void lower_pcmpstr(DisasContext *d)
{
    const X86Insn *in = &d->insn;
    const SseOp *so = &sse_ops[in->op];
    VecOpnd b = vec_opnd(d, OPND_Wx);
    if (!gen_vec_prologue(d, so))
        return;
    if (b.kind == VK_MEM)
        gen_mem_to_env(d, gen_ea(d), SSE_TMP_OFFSET, 16); /* SSE4.2 strings: unaligned */
    uint64_t regs = sse_regs(sse_vec_offset(0), sse_vec_offset(in->reg), vec_offset(b), 0);
    uint64_t ctl = (in->imm & 0xff) | 16u << SSE_CTL_SIZE_SHIFT | (in->vex ? SSE_CTL_VEX : 0) |
                   ((in->rex_w && d->code == X86_CODE64) ? SSE_CTL_REX_W : 0);
    TCGv args[5] = {d->s->env, cst(d, (int64_t)regs), cst(d, (int64_t)ctl), gv(G_REGS + R_EAX),
                    gv(G_REGS + R_EDX)};
    TCGv r = gen_call(d, so->helper, 5, args);
    if (in->op == X86_OP_PCMPESTRI || in->op == X86_OP_PCMPISTRI) {
        TCGv idx = tmp(d);
        tcg_gen_shri(d->s, idx, r, 32);
        gen_st_reg(d, R_ECX, 4, idx);
    }
    gen_set_eflags_arith(d, r);
}

/* EMMS; VZEROUPPER / VZEROALL (SDM Vol 2B: only YMM0-7 outside 64-bit mode). */
static void lower_emms(DisasContext *d)
{
    if (!gen_sse_enabled(d, false))
        return;
    CALL(d, emms, d->s->env);
}

static void lower_vzero(DisasContext *d)
{
    if (!gen_sse_enabled(d, true))
        return;
    bool all = d->insn.op == X86_OP_VZEROALL;
    unsigned n = d->code == X86_CODE64 ? 16 : 8;
    for (unsigned i = 0; i < n; i++) {
        if (all)
            gen_env_zero(d, sse_vec_offset(i), 32);
        else
            gen_env_zero(d, sse_vec_offset(i) + 16, 16);
    }
}

/* ---- masked and gathered memory accesses ---- */

/* MASKMOVQ {P, N} / MASKMOVDQU {V, U}: to DS:rDI (segment overridable). */
static void lower_maskmov(DisasContext *d)
{
    const X86Insn *in = &d->insn;
    const X86OpcodeEntry *e = in->entry;
    const SseOp *so = &sse_ops[in->op];
    VecOpnd data = vec_opnd(d, e->opnd[0]), mask = vec_opnd(d, e->opnd[1]);
    if (!gen_vec_prologue(d, so))
        return;
    TCGv off = tmp(d);
    gen_zext(d, off, gv(G_REGS + R_EDI), in->addrsize);
    TCGv addr = gen_linear(d, in->seg >= 0 ? in->seg : R_DS, off);
    uint64_t regs = sse_regs(0, vec_offset(data), vec_offset(mask), 0);
    uint64_t ctl = (uint64_t)(data.kind == VK_MMX ? 8 : 16) << SSE_CTL_SIZE_SHIFT |
                   (d->code == X86_CODE64 ? SSE_CTL_CODE64 : 0);
    CALL(d, maskmov, d->s->env, cst(d, (int64_t)regs), cst(d, (int64_t)ctl), addr);
}

/* VMASKMOVPS/PD and VPMASKMOVD/Q: {V, H, M} loads, {M, H, V} stores. */
static void lower_vmaskmov(DisasContext *d)
{
    const X86Insn *in = &d->insn;
    const SseOp *so = &sse_ops[in->op];
    bool store = in->entry->opnd[0] == OPND_M;
    bool q = in->op == X86_OP_VMASKMOVPD || in->op == X86_OP_VPMASKMOVQ;
    if (!gen_vec_prologue(d, so))
        return;
    TCGv addr = gen_ea(d);
    uint64_t regs = sse_regs(store ? 0 : sse_vec_offset(in->reg), sse_vec_offset(in->vex_vvvv),
                             store ? sse_vec_offset(in->reg) : 0, 0);
    uint64_t ctl = (uint64_t)(vex_256(d) ? 32 : 16) << SSE_CTL_SIZE_SHIFT | SSE_CTL_VEX |
                   (q ? SSE_CTL_REX_W : 0) | (d->code == X86_CODE64 ? SSE_CTL_CODE64 : 0);
    if (store)
        CALL(d, vmaskmov_store, d->s->env, cst(d, (int64_t)regs), cst(d, (int64_t)ctl), addr);
    else
        CALL(d, vmaskmov_load, d->s->env, cst(d, (int64_t)regs), cst(d, (int64_t)ctl), addr);
}

/* AVX2 gathers {V, M (VSIB), H}: SDM Vol 2B VPGATHERDD, #UD if any two of the
 * destination, mask and index registers are the same. */
static void lower_gather(DisasContext *d)
{
    const X86Insn *in = &d->insn;
    const SseOp *so = &sse_ops[in->op];
    unsigned op = in->op;
    bool idx64 = op == X86_OP_VPGATHERQD || op == X86_OP_VPGATHERQQ || op == X86_OP_VGATHERQPS ||
                 op == X86_OP_VGATHERQPD;
    bool elem64 = op == X86_OP_VPGATHERDQ || op == X86_OP_VPGATHERQQ || op == X86_OP_VGATHERDPD ||
                  op == X86_OP_VGATHERQPD;
    unsigned dst = in->reg, mask = in->vex_vvvv, index = (unsigned)in->index;
    if (!gen_vec_prologue(d, so))
        return;
    if (dst == mask || dst == index || mask == index) {
        gen_exception(d, EXCP_UD);
        return;
    }
    TCGv base = tmp(d);
    tcg_gen_movi(d->s, base, in->disp);
    if (in->base >= 0)
        tcg_gen_add(d->s, base, base, gv(G_REGS + in->base));
    int seg = modrm_seg(d);
    TCGv seg_base =
        (d->code == X86_CODE64 && seg != R_FS && seg != R_GS) ? cst(d, 0) : gv(G_SEG_BASE + seg);
    uint64_t regs = sse_regs(sse_vec_offset(dst), sse_vec_offset(mask), sse_vec_offset(index), 0);
    uint64_t ctl = (idx64 ? 1u : 0u) | (elem64 ? 2u : 0u) |
                   (uint64_t)(vex_256(d) ? 32 : 16) << SSE_CTL_SIZE_SHIFT | SSE_CTL_VEX |
                   (d->code == X86_CODE64 ? SSE_CTL_CODE64 : 0) |
                   (uint64_t)in->addrsize << SSE_CTL_ADDR_SHIFT |
                   (uint64_t)in->scale << SSE_CTL_SCALE_SHIFT;
    CALL(d, vgather, d->s->env, cst(d, (int64_t)regs), cst(d, (int64_t)ctl), base, seg_base);
}

/* ---- MXCSR, FXSAVE and XSAVE state ---- */

static void lower_ldmxcsr(DisasContext *d)
{
    if (!gen_sse_enabled(d, true))
        return;
    TCGv v = gen_ld_mem(d, gen_ea(d), 4);
    CALL(d, ldmxcsr, d->s->env, v);
}

static void lower_stmxcsr(DisasContext *d)
{
    if (!gen_sse_enabled(d, true))
        return;
    TCGv addr = gen_ea(d);
    gen_st_mem(d, addr, gen_env_ld(d, offsetof(CPUX86State, mxcsr), 4), 4);
}

static uint64_t state_ctl(const DisasContext *d)
{
    bool code64 = d->code == X86_CODE64;
    return (code64 ? SSE_CTL_CODE64 : 0) | ((code64 && d->insn.rex_w) ? SSE_CTL_REX_W : 0);
}

/* SDM Vol 2A FXSAVE/FXRSTOR: #NM if CR0.TS or CR0.EM. */
static void lower_fxsave(DisasContext *d)
{
    if (d->flags & (HF_TS | HF_EM)) {
        gen_exception(d, EXCP_NM);
        return;
    }
    TCGv addr = gen_ea(d);
    if (d->insn.op == X86_OP_FXSAVE)
        CALL(d, fxsave, d->s->env, addr, cst(d, (int64_t)state_ctl(d)));
    else
        CALL(d, fxrstor, d->s->env, addr, cst(d, (int64_t)state_ctl(d)));
}

/* SDM Vol 2B XSAVE/XRSTOR/XSAVEOPT/XGETBV/XSETBV: #UD without CR4.OSXSAVE; the
 * saves and restores #NM if CR0.TS. */
static bool gen_xsave_enabled(DisasContext *d, bool check_ts)
{
    int excp = !(d->flags & HF_OSXSAVE) ? EXCP_UD : (check_ts && (d->flags & HF_TS)) ? EXCP_NM : -1;
    if (excp < 0)
        return true;
    gen_exception(d, excp);
    return false;
}

/* EDX:EAX */
static TCGv gen_edx_eax(DisasContext *d)
{
    TCGv v = tmp(d), hi = tmp(d);
    gen_zext(d, v, gv(G_REGS + R_EAX), 4);
    tcg_gen_shli(d->s, hi, gv(G_REGS + R_EDX), 32);
    tcg_gen_or(d->s, v, v, hi);
    return v;
}

static void lower_xsave(DisasContext *d)
{
    if (!gen_xsave_enabled(d, true))
        return;
    TCGv addr = gen_ea(d), mask = gen_edx_eax(d), ctl = cst(d, (int64_t)state_ctl(d));
    switch (d->insn.op) {
    case X86_OP_XSAVE: CALL(d, xsave, d->s->env, addr, mask, ctl); break;
    case X86_OP_XSAVEOPT: CALL(d, xsaveopt, d->s->env, addr, mask, ctl); break;
    default: CALL(d, xrstor, d->s->env, addr, mask, ctl); break;
    }
}

static void lower_xgetbv(DisasContext *d)
{
    if (!gen_xsave_enabled(d, false))
        return;
    TCGv v = CALL(d, xgetbv, d->s->env, gv(G_REGS + R_ECX));
    TCGv hi = tmp(d);
    tcg_gen_shri(d->s, hi, v, 32);
    gen_st_reg(d, R_EAX, 4, v);
    gen_st_reg(d, R_EDX, 4, hi);
}

static void lower_xsetbv(DisasContext *d)
{
    if (!gen_xsave_enabled(d, false))
        return;
    CALL(d, xsetbv, d->s->env, gv(G_REGS + R_ECX), gen_edx_eax(d));
    gen_exit_next(d); /* XCR0 is in the mode bits (HF_AVX_EN) */
}

/* ---- the table ---- */

/* X(op, helper, lowering, props, memory bytes for VEX.L = 0 / 1) */
#define VEC(X, op, h, p)           X(op, &helper_info_##h, lower_vec, p, 0, 0)
#define VECM(X, op, h, p, m0, m1)  X(op, &helper_info_##h, lower_vec, p, m0, m1)
#define SPECIAL(X, op, fn, p)      X(op, NULL, fn, p, 0, 0)
#define SPECIAL_H(X, op, fn, h, p) X(op, &helper_info_##h, fn, p, 0, 0)

/* clang-format off */
#define SSE_OP_LIST(X) \
    /* moves */ \
    SPECIAL(X, MOVUPS, lower_mov, P_UNALIGNED) \
    SPECIAL(X, MOVUPD, lower_mov, P_UNALIGNED) \
    SPECIAL(X, MOVDQU, lower_mov, P_UNALIGNED) \
    SPECIAL(X, LDDQU, lower_mov, P_UNALIGNED) \
    SPECIAL(X, MOVAPS, lower_mov, P_VEX_ALIGNED) \
    SPECIAL(X, MOVAPD, lower_mov, P_VEX_ALIGNED) \
    SPECIAL(X, MOVDQA, lower_mov, P_VEX_ALIGNED) \
    SPECIAL(X, MOVNTPS, lower_mov, P_VEX_ALIGNED) \
    SPECIAL(X, MOVNTPD, lower_mov, P_VEX_ALIGNED) \
    SPECIAL(X, MOVNTDQ, lower_mov, P_VEX_ALIGNED) \
    SPECIAL(X, MOVNTDQA, lower_mov, P_VEX_ALIGNED) \
    SPECIAL_H(X, MOVSS, lower_movss, movss_merge, P_SCALAR) \
    SPECIAL_H(X, MOVSD, lower_movss, movsd_merge, P_SCALAR) \
    SPECIAL_H(X, MOVLPS, lower_movlh, movsd_merge, 0) \
    SPECIAL_H(X, MOVLPD, lower_movlh, movsd_merge, 0) \
    SPECIAL_H(X, MOVHPS, lower_movlh, movhps_merge, 0) \
    SPECIAL_H(X, MOVHPD, lower_movlh, movhps_merge, 0) \
    VEC(X, MOVHLPS, movhlps, 0) \
    VEC(X, MOVLHPS, movhps_merge, 0) \
    VEC(X, MOVSLDUP, movsldup, P_UNARY) \
    VEC(X, MOVSHDUP, movshdup, P_UNARY) \
    VECM(X, MOVDDUP, movddup, P_UNARY, 8, 32) \
    SPECIAL(X, MOVD, lower_movdq, 0) \
    SPECIAL(X, MOVQ, lower_movdq, 0) \
    SPECIAL(X, MOVNTQ, lower_movdq, 0) \
    SPECIAL(X, MOVQ2DQ, lower_movdq, 0) \
    SPECIAL(X, MOVDQ2Q, lower_movdq, 0) \
    SPECIAL(X, PINSRB, lower_pinsr, 0) \
    SPECIAL(X, PINSRW, lower_pinsr, 0) \
    SPECIAL(X, PINSRD, lower_pinsr, 0) \
    SPECIAL(X, PINSRQ, lower_pinsr, 0) \
    SPECIAL(X, PEXTRB, lower_pextr, 0) \
    SPECIAL(X, PEXTRW, lower_pextr, 0) \
    SPECIAL(X, PEXTRD, lower_pextr, 0) \
    SPECIAL(X, PEXTRQ, lower_pextr, 0) \
    SPECIAL(X, EXTRACTPS, lower_pextr, 0) \
    VEC(X, INSERTPS, insertps, 0) \
    SPECIAL_H(X, PMOVMSKB, lower_ret, pmovmskb, 0) \
    SPECIAL_H(X, MOVMSKPS, lower_ret, movmskps, 0) \
    SPECIAL_H(X, MOVMSKPD, lower_ret, movmskpd, 0) \
    SPECIAL(X, MASKMOVQ, lower_maskmov, 0) \
    SPECIAL(X, MASKMOVDQU, lower_maskmov, 0) \
    SPECIAL(X, EMMS, lower_emms, 0) \
    SPECIAL(X, VZEROUPPER, lower_vzero, 0) \
    SPECIAL(X, VZEROALL, lower_vzero, 0) \
    /* floating point */ \
    VEC(X, ADDPS, addps, 0) VEC(X, ADDPD, addpd, 0) VEC(X, ADDSS, addss, 0) \
    VEC(X, ADDSD, addsd, 0) \
    VEC(X, SUBPS, subps, 0) VEC(X, SUBPD, subpd, 0) VEC(X, SUBSS, subss, 0) \
    VEC(X, SUBSD, subsd, 0) \
    VEC(X, MULPS, mulps, 0) VEC(X, MULPD, mulpd, 0) VEC(X, MULSS, mulss, 0) \
    VEC(X, MULSD, mulsd, 0) \
    VEC(X, DIVPS, divps, 0) VEC(X, DIVPD, divpd, 0) VEC(X, DIVSS, divss, 0) \
    VEC(X, DIVSD, divsd, 0) \
    VEC(X, MINPS, minps, 0) VEC(X, MINPD, minpd, 0) VEC(X, MINSS, minss, 0) \
    VEC(X, MINSD, minsd, 0) \
    VEC(X, MAXPS, maxps, 0) VEC(X, MAXPD, maxpd, 0) VEC(X, MAXSS, maxss, 0) \
    VEC(X, MAXSD, maxsd, 0) \
    VEC(X, SQRTPS, sqrtps, P_UNARY) VEC(X, SQRTPD, sqrtpd, P_UNARY) \
    VEC(X, SQRTSS, sqrtss, 0) VEC(X, SQRTSD, sqrtsd, 0) \
    VEC(X, RCPPS, rcpps, P_UNARY) VEC(X, RCPSS, rcpss, 0) \
    VEC(X, RSQRTPS, rsqrtps, P_UNARY) VEC(X, RSQRTSS, rsqrtss, 0) \
    VEC(X, HADDPS, haddps, 0) VEC(X, HADDPD, haddpd, 0) \
    VEC(X, HSUBPS, hsubps, 0) VEC(X, HSUBPD, hsubpd, 0) \
    VEC(X, ADDSUBPS, addsubps, 0) VEC(X, ADDSUBPD, addsubpd, 0) \
    VEC(X, CMPPS, cmpps, 0) VEC(X, CMPPD, cmppd, 0) VEC(X, CMPSS, cmpss, 0) \
    VEC(X, CMPSD, cmpsd, 0) \
    VEC(X, ROUNDPS, roundps, P_UNARY) VEC(X, ROUNDPD, roundpd, P_UNARY) \
    VEC(X, ROUNDSS, roundss, 0) VEC(X, ROUNDSD, roundsd, 0) \
    VEC(X, DPPS, dpps, 0) VEC(X, DPPD, dppd, 0) \
    VEC(X, ANDPS, pand, 0) VEC(X, ANDPD, pand, 0) VEC(X, ANDNPS, pandn, 0) \
    VEC(X, ANDNPD, pandn, 0) \
    VEC(X, ORPS, por, 0) VEC(X, ORPD, por, 0) VEC(X, XORPS, pxor, 0) VEC(X, XORPD, pxor, 0) \
    VEC(X, UNPCKLPS, punpckldq, 0) VEC(X, UNPCKLPD, punpcklqdq, 0) \
    VEC(X, UNPCKHPS, punpckhdq, 0) VEC(X, UNPCKHPD, punpckhqdq, 0) \
    VEC(X, SHUFPS, shufps, 0) VEC(X, SHUFPD, shufpd, 0) \
    VEC(X, BLENDPS, blendps, 0) VEC(X, BLENDPD, blendpd, 0) \
    VEC(X, BLENDVPS, blendvps, P_W0) VEC(X, BLENDVPD, blendvpd, P_W0) \
    SPECIAL_H(X, UCOMISS, lower_ret, ucomiss, 0) SPECIAL_H(X, UCOMISD, lower_ret, ucomisd, 0) \
    SPECIAL_H(X, COMISS, lower_ret, comiss, 0) SPECIAL_H(X, COMISD, lower_ret, comisd, 0) \
    /* conversions */ \
    VECM(X, CVTPS2PD, cvtps2pd, P_UNARY, 8, 16) VEC(X, CVTPD2PS, cvtpd2ps, P_UNARY) \
    VEC(X, CVTSS2SD, cvtss2sd, 0) VEC(X, CVTSD2SS, cvtsd2ss, 0) \
    VEC(X, CVTDQ2PS, cvtdq2ps, P_UNARY) VEC(X, CVTPS2DQ, cvtps2dq, P_UNARY) \
    VEC(X, CVTTPS2DQ, cvttps2dq, P_UNARY) VECM(X, CVTDQ2PD, cvtdq2pd, P_UNARY, 8, 16) \
    VEC(X, CVTPD2DQ, cvtpd2dq, P_UNARY) VEC(X, CVTTPD2DQ, cvttpd2dq, P_UNARY) \
    VEC(X, CVTPI2PS, cvtpi2ps, 0) VEC(X, CVTPI2PD, cvtpi2pd, P_UNARY) \
    VEC(X, CVTPS2PI, cvtps2pi, P_UNARY) VEC(X, CVTTPS2PI, cvttps2pi, P_UNARY) \
    VEC(X, CVTPD2PI, cvtpd2pi, P_UNARY) VEC(X, CVTTPD2PI, cvttpd2pi, P_UNARY) \
    SPECIAL_H(X, CVTSI2SS, lower_cvtsi2s, cvtsi2ss, 0) \
    SPECIAL_H(X, CVTSI2SD, lower_cvtsi2s, cvtsi2sd, 0) \
    SPECIAL_H(X, CVTSS2SI, lower_ret, cvtss2si, 0) \
    SPECIAL_H(X, CVTTSS2SI, lower_ret, cvttss2si, 0) \
    SPECIAL_H(X, CVTSD2SI, lower_ret, cvtsd2si, 0) \
    SPECIAL_H(X, CVTTSD2SI, lower_ret, cvttsd2si, 0) \
    VECM(X, VCVTPH2PS, vcvtph2ps, P_UNARY | P_W0, 8, 16) \
    VECM(X, VCVTPS2PH, vcvtps2ph, P_UNARY | P_W0, 8, 16) \
    /* integer */ \
    VEC(X, PADDB, paddb, 0) VEC(X, PADDW, paddw, 0) VEC(X, PADDD, paddd, 0) \
    VEC(X, PADDQ, paddq, 0) \
    VEC(X, PSUBB, psubb, 0) VEC(X, PSUBW, psubw, 0) VEC(X, PSUBD, psubd, 0) \
    VEC(X, PSUBQ, psubq, 0) \
    VEC(X, PADDSB, paddsb, 0) VEC(X, PADDSW, paddsw, 0) \
    VEC(X, PADDUSB, paddusb, 0) VEC(X, PADDUSW, paddusw, 0) \
    VEC(X, PSUBSB, psubsb, 0) VEC(X, PSUBSW, psubsw, 0) \
    VEC(X, PSUBUSB, psubusb, 0) VEC(X, PSUBUSW, psubusw, 0) \
    VEC(X, PMULLW, pmullw, 0) VEC(X, PMULHW, pmulhw, 0) VEC(X, PMULHUW, pmulhuw, 0) \
    VEC(X, PMULUDQ, pmuludq, 0) VEC(X, PMULDQ, pmuldq, 0) VEC(X, PMULLD, pmulld, 0) \
    VEC(X, PMULHRSW, pmulhrsw, 0) VEC(X, PMADDWD, pmaddwd, 0) VEC(X, PMADDUBSW, pmaddubsw, 0) \
    VEC(X, PSADBW, psadbw, 0) VEC(X, MPSADBW, mpsadbw, 0) \
    VEC(X, PAND, pand, 0) VEC(X, PANDN, pandn, 0) VEC(X, POR, por, 0) VEC(X, PXOR, pxor, 0) \
    VEC(X, PCMPEQB, pcmpeqb, 0) VEC(X, PCMPEQW, pcmpeqw, 0) VEC(X, PCMPEQD, pcmpeqd, 0) \
    VEC(X, PCMPEQQ, pcmpeqq, 0) VEC(X, PCMPGTB, pcmpgtb, 0) VEC(X, PCMPGTW, pcmpgtw, 0) \
    VEC(X, PCMPGTD, pcmpgtd, 0) VEC(X, PCMPGTQ, pcmpgtq, 0) \
    VEC(X, PMINUB, pminub, 0) VEC(X, PMINUW, pminuw, 0) VEC(X, PMINUD, pminud, 0) \
    VEC(X, PMINSB, pminsb, 0) VEC(X, PMINSW, pminsw, 0) VEC(X, PMINSD, pminsd, 0) \
    VEC(X, PMAXUB, pmaxub, 0) VEC(X, PMAXUW, pmaxuw, 0) VEC(X, PMAXUD, pmaxud, 0) \
    VEC(X, PMAXSB, pmaxsb, 0) VEC(X, PMAXSW, pmaxsw, 0) VEC(X, PMAXSD, pmaxsd, 0) \
    VEC(X, PAVGB, pavgb, 0) VEC(X, PAVGW, pavgw, 0) \
    VEC(X, PABSB, pabsb, P_UNARY) VEC(X, PABSW, pabsw, P_UNARY) VEC(X, PABSD, pabsd, P_UNARY) \
    VEC(X, PSIGNB, psignb, 0) VEC(X, PSIGNW, psignw, 0) VEC(X, PSIGND, psignd, 0) \
    VEC(X, PACKSSWB, packsswb, 0) VEC(X, PACKSSDW, packssdw, 0) \
    VEC(X, PACKUSWB, packuswb, 0) VEC(X, PACKUSDW, packusdw, 0) \
    VEC(X, PUNPCKLBW, punpcklbw, 0) VEC(X, PUNPCKLWD, punpcklwd, 0) \
    VEC(X, PUNPCKLDQ, punpckldq, 0) VEC(X, PUNPCKLQDQ, punpcklqdq, 0) \
    VEC(X, PUNPCKHBW, punpckhbw, 0) VEC(X, PUNPCKHWD, punpckhwd, 0) \
    VEC(X, PUNPCKHDQ, punpckhdq, 0) VEC(X, PUNPCKHQDQ, punpckhqdq, 0) \
    VEC(X, PSHUFB, pshufb, 0) VEC(X, PSHUFD, pshufd, P_UNARY) \
    VEC(X, PSHUFHW, pshufhw, P_UNARY) VEC(X, PSHUFLW, pshuflw, P_UNARY) \
    VEC(X, PSHUFW, pshufw, P_UNARY) VEC(X, PALIGNR, palignr, 0) \
    VEC(X, PHADDW, phaddw, 0) VEC(X, PHADDD, phaddd, 0) VEC(X, PHADDSW, phaddsw, 0) \
    VEC(X, PHSUBW, phsubw, 0) VEC(X, PHSUBD, phsubd, 0) VEC(X, PHSUBSW, phsubsw, 0) \
    VECM(X, PSLLW, psllw, P_SHIFT, 0, 16) VECM(X, PSLLD, pslld, P_SHIFT, 0, 16) \
    VECM(X, PSLLQ, psllq, P_SHIFT, 0, 16) VECM(X, PSRLW, psrlw, P_SHIFT, 0, 16) \
    VECM(X, PSRLD, psrld, P_SHIFT, 0, 16) VECM(X, PSRLQ, psrlq, P_SHIFT, 0, 16) \
    VECM(X, PSRAW, psraw, P_SHIFT, 0, 16) VECM(X, PSRAD, psrad, P_SHIFT, 0, 16) \
    VEC(X, PSLLDQ, pslldq, P_SHIFT) VEC(X, PSRLDQ, psrldq, P_SHIFT) \
    VEC(X, VPSLLVD, vpsllvd, 0) VEC(X, VPSLLVQ, vpsllvq, 0) VEC(X, VPSRLVD, vpsrlvd, 0) \
    VEC(X, VPSRLVQ, vpsrlvq, 0) VEC(X, VPSRAVD, vpsravd, P_W0) \
    VEC(X, PBLENDW, pblendw, 0) VEC(X, VPBLENDD, vpblendd, P_W0) VEC(X, PBLENDVB, pblendvb, P_W0) \
    VECM(X, PMOVSXBW, pmovsxbw, P_UNARY, 8, 16) VECM(X, PMOVSXBD, pmovsxbd, P_UNARY, 4, 8) \
    VECM(X, PMOVSXBQ, pmovsxbq, P_UNARY, 2, 4) VECM(X, PMOVSXWD, pmovsxwd, P_UNARY, 8, 16) \
    VECM(X, PMOVSXWQ, pmovsxwq, P_UNARY, 4, 8) VECM(X, PMOVSXDQ, pmovsxdq, P_UNARY, 8, 16) \
    VECM(X, PMOVZXBW, pmovzxbw, P_UNARY, 8, 16) VECM(X, PMOVZXBD, pmovzxbd, P_UNARY, 4, 8) \
    VECM(X, PMOVZXBQ, pmovzxbq, P_UNARY, 2, 4) VECM(X, PMOVZXWD, pmovzxwd, P_UNARY, 8, 16) \
    VECM(X, PMOVZXWQ, pmovzxwq, P_UNARY, 4, 8) VECM(X, PMOVZXDQ, pmovzxdq, P_UNARY, 8, 16) \
    VEC(X, PHMINPOSUW, phminposuw, P_UNARY) \
    SPECIAL_H(X, PTEST, lower_ret, ptest, 0) \
    SPECIAL_H(X, PCMPESTRI, lower_pcmpstr, pcmpestri, 0) \
    SPECIAL_H(X, PCMPESTRM, lower_pcmpstr, pcmpestrm, 0) \
    SPECIAL_H(X, PCMPISTRI, lower_pcmpstr, pcmpistri, 0) \
    SPECIAL_H(X, PCMPISTRM, lower_pcmpstr, pcmpistrm, 0) \
    VEC(X, PCLMULQDQ, pclmulqdq, 0) \
    VEC(X, AESENC, aesenc, 0) VEC(X, AESENCLAST, aesenclast, 0) \
    VEC(X, AESDEC, aesdec, 0) VEC(X, AESDECLAST, aesdeclast, 0) \
    VEC(X, AESIMC, aesimc, P_UNARY) VEC(X, AESKEYGENASSIST, aeskeygenassist, P_UNARY) \
    VEC(X, SHA1RNDS4, sha1rnds4, 0) VEC(X, SHA1NEXTE, sha1nexte, 0) \
    VEC(X, SHA1MSG1, sha1msg1, 0) VEC(X, SHA1MSG2, sha1msg2, 0) \
    VEC(X, SHA256RNDS2, sha256rnds2, 0) VEC(X, SHA256MSG1, sha256msg1, 0) \
    VEC(X, SHA256MSG2, sha256msg2, 0) \
    /* AVX / AVX2 only */ \
    SPECIAL(X, VPERMILPS, lower_vpermil, P_W0) SPECIAL(X, VPERMILPD, lower_vpermil, P_W0) \
    SPECIAL_H(X, VTESTPS, lower_ret, vtestps, P_W0) \
    SPECIAL_H(X, VTESTPD, lower_ret, vtestpd, P_W0) \
    VEC(X, VPERMPS, vpermd, P_W0) VEC(X, VPERMD, vpermd, P_W0) \
    VEC(X, VPERMQ, vpermq, P_UNARY | P_W1) VEC(X, VPERMPD, vpermq, P_UNARY | P_W1) \
    VEC(X, VBROADCASTSS, vbroadcast32, P_UNARY | P_W0) \
    VEC(X, VBROADCASTSD, vbroadcast64, P_UNARY | P_W0) \
    VECM(X, VBROADCASTF128, vbroadcast128, P_UNARY | P_W0, 16, 16) \
    VECM(X, VBROADCASTI128, vbroadcast128, P_UNARY | P_W0, 16, 16) \
    VECM(X, VPBROADCASTB, vbroadcast8, P_UNARY | P_W0, 1, 1) \
    VECM(X, VPBROADCASTW, vbroadcast16, P_UNARY | P_W0, 2, 2) \
    VEC(X, VPBROADCASTD, vbroadcast32, P_UNARY | P_W0) \
    VEC(X, VPBROADCASTQ, vbroadcast64, P_UNARY | P_W0) \
    SPECIAL(X, VMASKMOVPS, lower_vmaskmov, P_W0) SPECIAL(X, VMASKMOVPD, lower_vmaskmov, P_W0) \
    SPECIAL(X, VPMASKMOVD, lower_vmaskmov, 0) SPECIAL(X, VPMASKMOVQ, lower_vmaskmov, 0) \
    SPECIAL(X, VPGATHERDD, lower_gather, 0) SPECIAL(X, VPGATHERDQ, lower_gather, 0) \
    SPECIAL(X, VPGATHERQD, lower_gather, 0) SPECIAL(X, VPGATHERQQ, lower_gather, 0) \
    SPECIAL(X, VGATHERDPS, lower_gather, 0) SPECIAL(X, VGATHERDPD, lower_gather, 0) \
    SPECIAL(X, VGATHERQPS, lower_gather, 0) SPECIAL(X, VGATHERQPD, lower_gather, 0) \
    VEC(X, VPERM2F128, vperm2f128, P_W0) VEC(X, VPERM2I128, vperm2f128, P_W0) \
    VECM(X, VINSERTF128, vinsertf128, P_W0, 16, 16) \
    VECM(X, VINSERTI128, vinsertf128, P_W0, 16, 16) \
    VECM(X, VEXTRACTF128, vextractf128, P_UNARY | P_W0, 16, 16) \
    VECM(X, VEXTRACTI128, vextractf128, P_UNARY | P_W0, 16, 16) \
    SPECIAL(X, VFMADDP, lower_fma, 0) SPECIAL(X, VFMADDS, lower_fma, 0) \
    SPECIAL(X, VFMSUBP, lower_fma, 0) SPECIAL(X, VFMSUBS, lower_fma, 0) \
    SPECIAL(X, VFNMADDP, lower_fma, 0) SPECIAL(X, VFNMADDS, lower_fma, 0) \
    SPECIAL(X, VFNMSUBP, lower_fma, 0) SPECIAL(X, VFNMSUBS, lower_fma, 0) \
    SPECIAL(X, VFMADDSUBP, lower_fma, 0) SPECIAL(X, VFMSUBADDP, lower_fma, 0) \
    /* state */ \
    SPECIAL(X, LDMXCSR, lower_ldmxcsr, 0) SPECIAL(X, STMXCSR, lower_stmxcsr, 0) \
    SPECIAL(X, FXSAVE, lower_fxsave, 0) SPECIAL(X, FXRSTOR, lower_fxsave, 0) \
    SPECIAL(X, XSAVE, lower_xsave, 0) SPECIAL(X, XSAVEOPT, lower_xsave, 0) \
    SPECIAL(X, XRSTOR, lower_xsave, 0) \
    SPECIAL(X, XGETBV, lower_xgetbv, 0) SPECIAL(X, XSETBV, lower_xsetbv, 0)
/* clang-format on */

#define SSE_OP_ROW(op, h, fn, p, m0, m1) [X86_OP_##op] = {h, p, {m0, m1}},
static const SseOp sse_ops[NB_X86_OPS] = {SSE_OP_LIST(SSE_OP_ROW)};

#define SSE_LOWERING_ROW(op, h, fn, p, m0, m1) {X86_OP_##op, fn},
const X86Lowering x86_lowerings_sse[] = {
    SSE_OP_LIST(SSE_LOWERING_ROW){0, NULL},
};
