/*
 * switch_x86_64.S: the goroutine switch for x86-64 (System V ABI).
 * The CTX_* offsets come from context_x86_64.h, where static_asserts tie
 * them to struct context. About 15 instructions do the whole job of a
 * context switch; see the README's "The switch, line by line".
 */
#include "context_x86_64.h"

        /* MXCSR bits 0-5 are sticky exception flags (status, not control:
           the ABI does not ask a callee to preserve them). */
        .equ MXCSR_FLAGS, 0x3f

        .text

/*
 * void ctx_switch(struct context *from, const struct context *to);
 * Save the running goroutine's registers in *from; resume *to.
 * from is in rdi, to in rsi. The caller's return address is on its stack.
 */
        .globl ctx_switch
        .type ctx_switch, @function
        .p2align 4
ctx_switch:
        /* Save the callee-saved registers and the stack pointer. The
           return address stays where `call` pushed it, at (%rsp). */
        movq    %rsp, CTX_SP(%rdi)
        movq    %rbx, CTX_RBX(%rdi)
        movq    %rbp, CTX_RBP(%rdi)
        movq    %r12, CTX_R12(%rdi)
        movq    %r13, CTX_R13(%rdi)
        movq    %r14, CTX_R14(%rdi)
        movq    %r15, CTX_R15(%rdi)

        /* Save the FP control state. */
        stmxcsr CTX_MXCSR(%rdi)
        fnstcw  CTX_X87CW(%rdi)

        /* Load *to's FP control state only where it differs from ours:
           ldmxcsr with other exception flags than the current ones costs
           ~70 ns (a pipeline flush), more than the rest of the switch.
           The flags themselves are not the callee's to preserve. */
        movl    CTX_MXCSR(%rdi), %eax
        xorl    CTX_MXCSR(%rsi), %eax
        testl   $~MXCSR_FLAGS, %eax     /* control bits differ? */
        jz      1f
        ldmxcsr CTX_MXCSR(%rsi)
1:      movzwl  CTX_X87CW(%rdi), %eax
        cmpw    CTX_X87CW(%rsi), %ax
        je      2f
        fldcw   CTX_X87CW(%rsi)
2:
        /* Switch stacks: from here on we are on *to's stack. */
        movq    CTX_SP(%rsi), %rsp

        /* Load *to's callee-saved registers. */
        movq    CTX_RBX(%rsi), %rbx
        movq    CTX_RBP(%rsi), %rbp
        movq    CTX_R12(%rsi), %r12
        movq    CTX_R13(%rsi), %r13
        movq    CTX_R14(%rsi), %r14
        movq    CTX_R15(%rsi), %r15

        /* Return on *to's stack: into its own call of ctx_switch, or, for
           a new goroutine, into the entry that ctx_init put there. */
        ret
        .size ctx_switch, .-ctx_switch

        /* This code needs no executable stack. */
        .section .note.GNU-stack,"",@progbits
