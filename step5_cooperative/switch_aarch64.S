/*
 * switch_aarch64.S: the goroutine switch for 64-bit Arm (AAPCS64).
 * The CTX_* offsets come from context_aarch64.h, where static_asserts tie
 * them to struct context. See the README's "The switch, line by line".
 */
#include "context_aarch64.h"

        .text

/*
 * void ctx_switch(struct context *from, const struct context *to);
 * Save the running goroutine's registers in *from; resume *to.
 * from is in x0, to in x1; x30 (lr) holds where our caller continues.
 */
        .globl ctx_switch
        .type ctx_switch, %function
        .p2align 4
ctx_switch:
        /* Save the stack pointer (sp cannot be stored directly). */
        mov     x9, sp
        str     x9, [x0, #CTX_SP]

        /* Save the callee-saved registers, two at a time; x30 is the
           address this call returns to. */
        stp     x19, x20, [x0, #CTX_X19]
        stp     x21, x22, [x0, #CTX_X21]
        stp     x23, x24, [x0, #CTX_X23]
        stp     x25, x26, [x0, #CTX_X25]
        stp     x27, x28, [x0, #CTX_X27]
        stp     x29, x30, [x0, #CTX_X29]
        stp     d8, d9, [x0, #CTX_D8]
        stp     d10, d11, [x0, #CTX_D10]
        stp     d12, d13, [x0, #CTX_D12]
        stp     d14, d15, [x0, #CTX_D14]

        /* Save FPCR (rounding mode, flush-to-zero); write *to's only where
           it differs: a write to FPCR can stall the pipeline. */
        mrs     x9, fpcr
        str     x9, [x0, #CTX_FPCR]
        ldr     x10, [x1, #CTX_FPCR]
        cmp     x9, x10
        b.eq    1f
        msr     fpcr, x10
1:
        /* Switch stacks: from here on we are on *to's stack. */
        ldr     x9, [x1, #CTX_SP]
        mov     sp, x9

        /* Load *to's callee-saved registers, x30 included. */
        ldp     x19, x20, [x1, #CTX_X19]
        ldp     x21, x22, [x1, #CTX_X21]
        ldp     x23, x24, [x1, #CTX_X23]
        ldp     x25, x26, [x1, #CTX_X25]
        ldp     x27, x28, [x1, #CTX_X27]
        ldp     x29, x30, [x1, #CTX_X29]
        ldp     d8, d9, [x1, #CTX_D8]
        ldp     d10, d11, [x1, #CTX_D10]
        ldp     d12, d13, [x1, #CTX_D12]
        ldp     d14, d15, [x1, #CTX_D14]

        /* Jump to x30: into *to's own call of ctx_switch or, for a new
           goroutine, to the entry that ctx_init put in lr. */
        ret
        .size ctx_switch, .-ctx_switch

        /* This code needs no executable stack. */
        .section .note.GNU-stack,"",@progbits
