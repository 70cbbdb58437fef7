/*
 * sigctxt_x86_64.h: an interrupted goroutine's registers, on x86-64.
 */
#ifndef SIGCTXT_X86_64_H
#define SIGCTXT_X86_64_H

#include <stdint.h>
#include <ucontext.h>

/* The System V ABI lets a function use 128 bytes below rsp without
   moving rsp (the red zone): a leaf function keeps its locals there. */
enum { RED_ZONE = 128 };

static inline uintptr_t sigctxt_pc(const ucontext_t *uc)
{
    return (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
}

static inline uintptr_t sigctxt_sp(const ucontext_t *uc)
{
    return (uintptr_t)uc->uc_mcontext.gregs[REG_RSP];
}

/*
 * Go: sigctxt.pushCall. When the handler returns, the interrupted code
 * "calls" target as if its next instruction were `call target`, except
 * that the return address goes below the red zone, which the interrupted
 * code may be using:
 *
 *        rsp before -> +------------------------+
 *                      | red zone: 128 bytes,   |  left alone
 *                      | maybe the code's locals|
 *                      +------------------------+
 *                      | the interrupted rip    |  target's return address
 *        rsp after  -> +------------------------+
 *
 * target must return with `ret $128`: pop the address, then skip the
 * red zone, so that rsp is what it was (preempt_x86_64.S).
 */
static inline void sigctxt_pushcall(ucontext_t *uc, void (*target)(void))
{
    greg_t *r = uc->uc_mcontext.gregs;
    uint64_t *sp = (uint64_t *)(uintptr_t)(r[REG_RSP] - RED_ZONE) - 1;
    *sp = (uint64_t)r[REG_RIP];
    r[REG_RSP] = (greg_t)(uintptr_t)sp;
    r[REG_RIP] = (greg_t)(uintptr_t)target;
}

#endif
