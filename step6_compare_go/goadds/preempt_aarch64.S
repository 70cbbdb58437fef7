/*
 * preempt_aarch64.S: asyncPreempt for AArch64 (Go: preempt_arm64.s).
 *
 * Not a C function: nobody calls it. The SIGURG handler makes the
 * interrupted goroutine "call" it (sigctxt_pushcall in sigctxt_aarch64.h):
 * on entry x30 holds the interrupted pc, the interrupted x30 is at [sp],
 * and every other register still holds what the interrupted code was
 * using. It saves them all, calls asyncPreempt2 (which yields), restores
 * them all, and jumps back.
 *
 * The last jump needs a register that holds the address and nothing of
 * the interrupted code's: Arm has no "return to an address in memory".
 * Go keeps R27 out of its compiler's hands for such jobs. Ours is x18:
 * the code that can be preempted (the program's own) is compiled with
 * -ffixed-x18, so it never holds a value there (step.mk). x18 because
 * it is the platform register: the ABI already lets a platform reserve
 * it (Apple and Windows do), so compilers know how to leave it alone;
 * and libc and the runtime, which use it freely, are never preempted.
 *
 * The frame, on the goroutine's stack (FRAME bytes, 16-aligned):
 *
 *   sp + FRAME:        the interrupted x30 (put there by the handler)
 *   sp + 0   .. 232:   x0 ... x29
 *   sp + 240:          the interrupted pc (our x30 on entry)
 *   sp + 248:          NZCV, the condition flags
 *   sp + 256, 264:     FPSR, FPCR: FP status (sticky flags) and control
 *   sp + 272 .. 784:   q0 ... q31, all 128 bits (C code may vectorize)
 */
        .equ OFF_PC,   240
        .equ OFF_NZCV, 248
        .equ OFF_FPSR, 256
        .equ OFF_Q,    272
        .equ FRAME,    OFF_Q + 32 * 16    /* 784 = 49 * 16 */
        .equ PUSHED,   16                 /* the handler's slot */

        .text
        .globl asyncPreempt
        .type asyncPreempt, @function
        .p2align 4
asyncPreempt:
        sub     sp, sp, #FRAME
        /* The general registers, two at a time. */
        stp     x0, x1, [sp, #0]
        stp     x2, x3, [sp, #16]
        stp     x4, x5, [sp, #32]
        stp     x6, x7, [sp, #48]
        stp     x8, x9, [sp, #64]
        stp     x10, x11, [sp, #80]
        stp     x12, x13, [sp, #96]
        stp     x14, x15, [sp, #112]
        stp     x16, x17, [sp, #128]
        stp     x18, x19, [sp, #144]
        stp     x20, x21, [sp, #160]
        stp     x22, x23, [sp, #176]
        stp     x24, x25, [sp, #192]
        stp     x26, x27, [sp, #208]
        stp     x28, x29, [sp, #224]
        /* Where to go back to: the handler left it in x30. */
        str     x30, [sp, #OFF_PC]
        /* The flags and the FP status and control, through x0 (saved). */
        mrs     x0, nzcv
        str     x0, [sp, #OFF_NZCV]
        mrs     x0, fpsr
        mrs     x1, fpcr
        stp     x0, x1, [sp, #OFF_FPSR]
        /* The vector registers, whole. */
        stp     q0, q1, [sp, #OFF_Q + 0]
        stp     q2, q3, [sp, #OFF_Q + 32]
        stp     q4, q5, [sp, #OFF_Q + 64]
        stp     q6, q7, [sp, #OFF_Q + 96]
        stp     q8, q9, [sp, #OFF_Q + 128]
        stp     q10, q11, [sp, #OFF_Q + 160]
        stp     q12, q13, [sp, #OFF_Q + 192]
        stp     q14, q15, [sp, #OFF_Q + 224]
        stp     q16, q17, [sp, #OFF_Q + 256]
        stp     q18, q19, [sp, #OFF_Q + 288]
        stp     q20, q21, [sp, #OFF_Q + 320]
        stp     q22, q23, [sp, #OFF_Q + 352]
        stp     q24, q25, [sp, #OFF_Q + 384]
        stp     q26, q27, [sp, #OFF_Q + 416]
        stp     q28, q29, [sp, #OFF_Q + 448]
        stp     q30, q31, [sp, #OFF_Q + 480]
        /* A frame record (x29, x30) for debuggers: the interrupted pc
           is this frame's caller. */
        add     x29, sp, #224

        /* Yield: this goroutine goes to the global run queue; we come
           back here when it runs again, maybe on another thread. */
        bl      asyncPreempt2

        /* Put everything back, in the reverse order. */
        ldp     q30, q31, [sp, #OFF_Q + 480]
        ldp     q28, q29, [sp, #OFF_Q + 448]
        ldp     q26, q27, [sp, #OFF_Q + 416]
        ldp     q24, q25, [sp, #OFF_Q + 384]
        ldp     q22, q23, [sp, #OFF_Q + 352]
        ldp     q20, q21, [sp, #OFF_Q + 320]
        ldp     q18, q19, [sp, #OFF_Q + 288]
        ldp     q16, q17, [sp, #OFF_Q + 256]
        ldp     q14, q15, [sp, #OFF_Q + 224]
        ldp     q12, q13, [sp, #OFF_Q + 192]
        ldp     q10, q11, [sp, #OFF_Q + 160]
        ldp     q8, q9, [sp, #OFF_Q + 128]
        ldp     q6, q7, [sp, #OFF_Q + 96]
        ldp     q4, q5, [sp, #OFF_Q + 64]
        ldp     q2, q3, [sp, #OFF_Q + 32]
        ldp     q0, q1, [sp, #OFF_Q + 0]
        ldp     x0, x1, [sp, #OFF_FPSR]
        msr     fpsr, x0
        msr     fpcr, x1
        ldr     x0, [sp, #OFF_NZCV]
        msr     nzcv, x0
        ldp     x0, x1, [sp, #0]
        ldp     x2, x3, [sp, #16]
        ldp     x4, x5, [sp, #32]
        ldp     x6, x7, [sp, #48]
        ldp     x8, x9, [sp, #64]
        ldp     x10, x11, [sp, #80]
        ldp     x12, x13, [sp, #96]
        ldp     x14, x15, [sp, #112]
        ldp     x16, x17, [sp, #128]
        /* x18 is not restored: it carries the way back (see above). */
        ldr     x19, [sp, #152]
        ldp     x20, x21, [sp, #160]
        ldp     x22, x23, [sp, #176]
        ldp     x24, x25, [sp, #192]
        ldp     x26, x27, [sp, #208]
        ldp     x28, x29, [sp, #224]
        ldr     x18, [sp, #OFF_PC]         /* the interrupted pc */
        ldr     x30, [sp, #FRAME]          /* the interrupted x30 */
        add     sp, sp, #FRAME + PUSHED    /* the interrupted sp */
        br      x18
        .size asyncPreempt, .-asyncPreempt

        .section .note.GNU-stack,"",@progbits
