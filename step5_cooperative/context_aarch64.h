/*
 * context_aarch64.h: what a goroutine's registers look like while it is
 * not running, on 64-bit Arm (AAPCS64). Included by context.h and by
 * switch_aarch64.S, which uses the CTX_* offsets below: the struct's field
 * order IS the assembly's offsets, and the static_asserts keep them honest.
 *
 * Saved: exactly what the ABI says a called function must give back
 * unchanged: x19-x28, the frame pointer x29, the link register x30 (where
 * ctx_switch returns to), sp, the low 64 bits of v8-v15 (d8-d15) and the
 * floating-point control register FPCR. The rest is caller-saved.
 */
#ifndef CONTEXT_AARCH64_H
#define CONTEXT_AARCH64_H

#define CTX_SP   0
#define CTX_X19  8   /* x19..x28 in pairs: 8, 24, 40, 56, 72 */
#define CTX_X21  24
#define CTX_X23  40
#define CTX_X25  56
#define CTX_X27  72
#define CTX_X29  88  /* x29 (frame pointer), then x30 (link register) */
#define CTX_LR   96
#define CTX_D8   104 /* d8..d15 in pairs: 104, 120, 136, 152 */
#define CTX_D10  120
#define CTX_D12  136
#define CTX_D14  152
#define CTX_FPCR 168
#define CTX_SIZE 176

#ifndef __ASSEMBLER__
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <ucontext.h>

struct context {
    void *sp;
    uint64_t x19_x28[10];
    uint64_t x29;
    void *lr;
    uint64_t d8_d15[8];
    uint64_t fpcr;
};

static_assert(offsetof(struct context, sp) == CTX_SP, "CTX_SP");
static_assert(offsetof(struct context, x19_x28) == CTX_X19, "CTX_X19");
static_assert(offsetof(struct context, x19_x28[2]) == CTX_X21, "CTX_X21");
static_assert(offsetof(struct context, x19_x28[4]) == CTX_X23, "CTX_X23");
static_assert(offsetof(struct context, x19_x28[6]) == CTX_X25, "CTX_X25");
static_assert(offsetof(struct context, x19_x28[8]) == CTX_X27, "CTX_X27");
static_assert(offsetof(struct context, x29) == CTX_X29, "CTX_X29");
static_assert(offsetof(struct context, lr) == CTX_LR, "CTX_LR");
static_assert(offsetof(struct context, d8_d15) == CTX_D8, "CTX_D8");
static_assert(offsetof(struct context, d8_d15[2]) == CTX_D10, "CTX_D10");
static_assert(offsetof(struct context, d8_d15[4]) == CTX_D12, "CTX_D12");
static_assert(offsetof(struct context, d8_d15[6]) == CTX_D14, "CTX_D14");
static_assert(offsetof(struct context, fpcr) == CTX_FPCR, "CTX_FPCR");
static_assert(sizeof(struct context) == CTX_SIZE, "CTX_SIZE");

/*
 * Build the first frame of a new goroutine, so that the first ctx_switch
 * to it "returns" into entry(). On Arm the return address travels in a
 * register (x30), not on the stack, so the stack starts empty:
 *
 *     stack top (16-byte aligned; the go() argument copy lies above it)
 *  top -> +-------------------+ <- c->sp: AAPCS64 wants sp 16-aligned
 *         |  grows down ...   |
 *
 *     c->lr  = entry   ctx_switch's `ret` jumps there
 *     c->x29 = 0       no caller frame: a debugger's backtrace ends here
 *
 * entry must never return.
 */
static inline void ctx_init(struct context *c, void *top, void (*entry)(void))
{
    *c = (struct context){.sp = top, .lr = (void *)entry};
}

/* The stack pointer (sp) of the code a signal interrupted; ucontext is
   the third argument of an SA_SIGINFO handler. */
static inline uintptr_t ctx_signal_sp(const void *ucontext)
{
    const ucontext_t *uc = ucontext;
    return (uintptr_t)uc->uc_mcontext.sp;
}

/* Tell the CPU we are spinning on a lock (Arm: YIELD). */
static inline void cpu_relax(void)
{
    __asm__ volatile("yield");
}
#endif
#endif
