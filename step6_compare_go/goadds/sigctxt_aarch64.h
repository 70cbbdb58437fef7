/*
 * sigctxt_aarch64.h: an interrupted goroutine's registers, on AArch64.
 */
#ifndef SIGCTXT_AARCH64_H
#define SIGCTXT_AARCH64_H

#include <stdint.h>
#include <ucontext.h>

enum { RED_ZONE = 0 }; /* AAPCS64 has none: below sp is free */

static inline uintptr_t sigctxt_pc(const ucontext_t *uc)
{
    return (uintptr_t)uc->uc_mcontext.pc;
}

static inline uintptr_t sigctxt_sp(const ucontext_t *uc)
{
    return (uintptr_t)uc->uc_mcontext.sp;
}

/*
 * Go: sigctxt.pushCall. A call on Arm puts the return address in the
 * link register (x30), which the interrupted code may be using: save it
 * on the stack first, 16 bytes to keep sp aligned, then "call":
 *
 *        sp before -> +------------------------+
 *                     | (8 bytes unused)       |
 *                     | the interrupted x30    |  target restores it
 *        sp after  -> +------------------------+
 *
 *        x30 = the interrupted pc: target's return address
 *        pc  = target
 *
 * target must put x30 and sp back and jump to the address in x30
 * (preempt_aarch64.S).
 */
static inline void sigctxt_pushcall(ucontext_t *uc, void (*target)(void))
{
    mcontext_t *mc = &uc->uc_mcontext;
    mc->sp -= 16;
    *(uint64_t *)(uintptr_t)mc->sp = mc->regs[30];
    mc->regs[30] = mc->pc;
    mc->pc = (uint64_t)(uintptr_t)target;
}

#endif
