/*
 * context_x86_64.h: what a goroutine's registers look like while it is not
 * running, on x86-64 (System V ABI). Included by context.h and by
 * switch_x86_64.S, which uses the CTX_* offsets below: the struct's field
 * order IS the assembly's offsets, and the static_asserts keep them honest.
 *
 * Saved: exactly what the ABI says a called function must give back
 * unchanged: rbx, rbp, r12-r15, the stack pointer, and the floating-point
 * control state (MXCSR's control bits and the x87 control word). Everything
 * else is caller-saved: the C code that calls ctx_switch has already
 * assumed those registers are lost, as with any call.
 */
#ifndef CONTEXT_X86_64_H
#define CONTEXT_X86_64_H

#define CTX_SP    0  /* rsp; the return address is on the stack there */
#define CTX_RBX   8
#define CTX_RBP   16
#define CTX_R12   24
#define CTX_R13   32
#define CTX_R14   40
#define CTX_R15   48
#define CTX_MXCSR 56 /* 32 bits: SSE rounding, masks; bits 0-5 are flags */
#define CTX_X87CW 60 /* 16 bits: x87 precision and rounding */
#define CTX_SIZE  64

/* MXCSR and x87 control word as the ABI leaves them at program start. */
#define MXCSR_DEFAULT 0x1f80
#define X87CW_DEFAULT 0x037f

#ifndef __ASSEMBLER__
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <ucontext.h>

struct context {
    void *sp;
    uint64_t rbx, rbp, r12, r13, r14, r15;
    uint32_t mxcsr;
    uint16_t x87cw;
    uint16_t unused;
};

static_assert(offsetof(struct context, sp) == CTX_SP, "CTX_SP");
static_assert(offsetof(struct context, rbx) == CTX_RBX, "CTX_RBX");
static_assert(offsetof(struct context, rbp) == CTX_RBP, "CTX_RBP");
static_assert(offsetof(struct context, r12) == CTX_R12, "CTX_R12");
static_assert(offsetof(struct context, r13) == CTX_R13, "CTX_R13");
static_assert(offsetof(struct context, r14) == CTX_R14, "CTX_R14");
static_assert(offsetof(struct context, r15) == CTX_R15, "CTX_R15");
static_assert(offsetof(struct context, mxcsr) == CTX_MXCSR, "CTX_MXCSR");
static_assert(offsetof(struct context, x87cw) == CTX_X87CW, "CTX_X87CW");
static_assert(sizeof(struct context) == CTX_SIZE, "CTX_SIZE");

/*
 * Build the first frame of a new goroutine at the top of its stack, so
 * that the first ctx_switch to it "returns" into entry():
 *
 *     stack top (16-byte aligned; the go() argument copy lies above it)
 *  top -> +-------------------+
 *         | 0                 | top - 8:  entry's "return address": none.
 *         |                   |           A debugger's backtrace ends here.
 *         +-------------------+
 *         | entry             | top - 16: ctx_switch's `ret` pops this
 *         +-------------------+ <- c->sp (16-byte aligned)
 *         |  grows down ...   |
 *
 * After the `ret`, rsp = top - 8, which is what the ABI wants at a
 * function's first instruction (rsp + 8 a multiple of 16): entry runs as
 * if it had been called from an address 0. It must never return.
 */
static inline void ctx_init(struct context *c, void *top, void (*entry)(void))
{
    void **frame = (void **)top;
    frame[-1] = NULL;
    frame[-2] = (void *)entry;
    *c = (struct context){.sp = &frame[-2],
                          .mxcsr = MXCSR_DEFAULT,
                          .x87cw = X87CW_DEFAULT};
}

/* The stack pointer (rsp) of the code a signal interrupted; ucontext is
   the third argument of an SA_SIGINFO handler. */
static inline uintptr_t ctx_signal_sp(const void *ucontext)
{
    const ucontext_t *uc = ucontext;
    return (uintptr_t)uc->uc_mcontext.gregs[REG_RSP];
}

/* Tell the CPU we are spinning on a lock (x86: PAUSE). */
static inline void cpu_relax(void)
{
    __asm__ volatile("pause");
}
#endif
#endif
