/*
 * sigctxt.h: the registers a signal interrupted, as the handler finds
 * them in its ucontext, and how to make the interrupted code call a
 * function (Go: sigctxt, signal_amd64.go, signal_arm64.go). One header
 * per architecture; this is the only place that picks one.
 */
#ifndef SIGCTXT_H
#define SIGCTXT_H

#if defined(__x86_64__)
#include "sigctxt_x86_64.h"
#elif defined(__aarch64__)
#include "sigctxt_aarch64.h"
#else
#error "goadds preempts on x86-64 and aarch64 only"
#endif

#endif
