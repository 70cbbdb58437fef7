/*
 * preempt_x86_64.S: asyncPreempt for x86-64 (Go: preempt_amd64.s).
 *
 * Not a C function: nobody calls it. The SIGURG handler makes the
 * interrupted goroutine "call" it (sigctxt_pushcall in sigctxt_x86_64.h):
 * on entry every register still holds what the interrupted code was
 * using, and the return address, the interrupted rip, sits 128 bytes
 * below that code's rsp, past its red zone. So it must save everything
 * a C function may change (all of it but rsp, which it puts back) and
 * return with `ret $128`. What it saves, 16 + 512 bytes and the padding
 * for alignment, on the goroutine's stack:
 *
 *   the interrupted rsp - 128 - 8:  return address (from the handler)
 *   rflags, rbp, then rax ... r15   the general registers (15 of 16)
 *   512-byte FXSAVE area            x87 registers and control/status
 *                                   words, MXCSR, xmm0-xmm15
 *
 * The upper halves of ymm/zmm are not saved: the code we preempt is
 * compiled for the baseline x86-64 (SSE2), which has no AVX; code built
 * with -mavx would need XSAVE. (Go saves X0-X15 only, for the same
 * reason: its compiler emits no AVX.)
 */
        .equ GPRS_BELOW_RBP, 14 * 8   /* rax ... r15 pushed after rbp */
        .equ FXSAVE_BYTES, 512
        .equ RED_ZONE, 128

        .text
        .globl asyncPreempt
        .type asyncPreempt, @function
        .p2align 4
asyncPreempt:
        /* Save the flags first: the arithmetic below changes them. */
        pushfq                          /* rflags */
        pushq   %rbp                    /* the interrupted rbp */
        movq    %rsp, %rbp              /* our frame's base, for later */
        /* The other 14 general registers (rsp comes back by itself). */
        pushq   %rax
        pushq   %rbx
        pushq   %rcx
        pushq   %rdx
        pushq   %rsi
        pushq   %rdi
        pushq   %r8
        pushq   %r9
        pushq   %r10
        pushq   %r11
        pushq   %r12
        pushq   %r13
        pushq   %r14
        pushq   %r15
        /* Room for FXSAVE, which wants a 16-byte aligned address; the
           interrupted rsp could have been any multiple of 8, and the
           call below wants rsp 16-aligned too (System V ABI). */
        subq    $FXSAVE_BYTES, %rsp     /* 512 bytes ... */
        andq    $-16, %rsp              /* ... at a multiple of 16 */
        fxsave64 (%rsp)                 /* xmm0-15, MXCSR, x87 state */
        /* A C call wants an empty x87 stack with the default control
           word (the interrupted code may be mid long double), and the
           direction flag clear. */
        fninit                          /* x87: empty, default */
        cld                             /* DF = 0 */

        /* Yield: this goroutine goes to the back of the queue; we come
           back here when it runs again, maybe on another thread. */
        call    asyncPreempt2

        /* Put everything back, in the reverse order. */
        fxrstor64 (%rsp)                /* xmm0-15, MXCSR, x87 state */
        leaq    -GPRS_BELOW_RBP(%rbp), %rsp /* undo the alignment */
        popq    %r15
        popq    %r14
        popq    %r13
        popq    %r12
        popq    %r11
        popq    %r10
        popq    %r9
        popq    %r8
        popq    %rdi
        popq    %rsi
        popq    %rdx
        popq    %rcx
        popq    %rbx
        popq    %rax
        popq    %rbp                    /* the interrupted rbp */
        popfq                           /* rflags: nothing after changes
                                           them (lea and pop do not) */
        /* Pop the interrupted rip into rip, then skip the red zone:
           rsp is the interrupted code's again. */
        ret     $RED_ZONE
        .size asyncPreempt, .-asyncPreempt

        .section .note.GNU-stack,"",@progbits
