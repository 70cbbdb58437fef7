/*
 * context.h: a goroutine's saved registers, and the switch between two.
 *
 * One header and one assembly file per architecture (context_x86_64.h +
 * switch_x86_64.S, context_aarch64.h + switch_aarch64.S); the Makefile
 * builds the .S of the target. This is the only place that picks one.
 */
#ifndef CONTEXT_H
#define CONTEXT_H

#if defined(__x86_64__)
#include "context_x86_64.h"
#elif defined(__aarch64__)
#include "context_aarch64.h"
#else
#error "step 5 has a context switch for x86-64 and aarch64 only"
#endif

/*
 * Save the running code's callee-saved registers, stack pointer and FP
 * control state in *from, load those of *to, and continue where *to was
 * saved: its own call to ctx_switch returns (or, for a new goroutine, the
 * entry of ctx_init runs). Returns when someone switches back to *from.
 */
void ctx_switch(struct context *from, const struct context *to);

#endif
