/*
 * san.h: telling the sanitizers that we switch stacks.
 *
 * AddressSanitizer keeps a shadow of every stack and ThreadSanitizer a
 * shadow call stack and a clock per thread; both assume one stack per
 * thread. Each switch is announced to them (compiler-rt's fiber API), and
 * without a sanitizer every function here compiles to nothing.
 *
 * ASan: __sanitizer_start_switch_fiber(&save, bottom, size) just before the
 * switch, with the DESTINATION's stack; __sanitizer_finish_switch_fiber
 * first thing on the new stack, which also tells us the bounds of the
 * stack we came from. That is how we learn the bounds of stacks we did not
 * allocate: the main thread's (goroutine 1) and each M's own.
 * TSan: a fiber per goroutine; __tsan_switch_to_fiber right before the
 * switch, in the function that switches.
 */
#ifndef SAN_H
#define SAN_H

#include <stdbool.h>
#include <stddef.h>

#ifndef __has_feature
#define __has_feature(x) 0
#endif
#if defined(__SANITIZE_ADDRESS__) || __has_feature(address_sanitizer)
#define SAN_ASAN 1
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif
#if defined(__SANITIZE_THREAD__) || __has_feature(thread_sanitizer)
#define SAN_TSAN 1
#include <sanitizer/tsan_interface.h>
#endif

/* What the sanitizers need to know about one goroutine's stack; without
   them, nothing (a struct needs a member: one unused byte). */
struct san_fiber {
#ifdef SAN_ASAN
    void *asan_fake_stack;   /* ASan's, saved while switched out */
    const void *asan_bottom; /* lowest address of the stack */
    size_t asan_size;        /* 0: not known yet (learned at a switch) */
#endif
#ifdef SAN_TSAN
    void *tsan_fiber;
#endif
    char unused;
};

/* A new goroutine's stack, [lo, lo + size). */
static inline void san_fiber_init(struct san_fiber *f, void *lo, size_t size)
{
#ifdef SAN_ASAN
    f->asan_fake_stack = NULL;
    f->asan_bottom = lo;
    f->asan_size = size;
#endif
#ifdef SAN_TSAN
    f->tsan_fiber = __tsan_create_fiber(0);
#endif
    (void)f, (void)lo, (void)size;
}

/* The code running now on this thread becomes the fiber f. */
static inline void san_fiber_adopt(struct san_fiber *f)
{
    *f = (struct san_fiber){0};
#ifdef SAN_TSAN
    f->tsan_fiber = __tsan_get_current_fiber();
#endif
}

/* f's goroutine has ended and we have left its stack for good. */
static inline void san_fiber_destroy(struct san_fiber *f)
{
#ifdef SAN_TSAN
    __tsan_destroy_fiber(f->tsan_fiber);
    f->tsan_fiber = NULL;
#endif
    (void)f;
}

/* A goroutine's stack [lo, lo + size) is free again. Frames that never
   returned (the goroutine's first) left their ASan redzones poisoned. */
static inline void san_stack_free(void *lo, size_t size)
{
#ifdef SAN_ASAN
    ASAN_UNPOISON_MEMORY_REGION(lo, size);
#endif
    (void)lo, (void)size;
}

/* Just before switching from `from` to `to`; from_ends: never resumed. */
static inline void san_switch_start(struct san_fiber *from,
                                    const struct san_fiber *to,
                                    bool from_ends)
{
#ifdef SAN_ASAN
    __sanitizer_start_switch_fiber(from_ends ? NULL : &from->asan_fake_stack,
                                   to->asan_bottom, to->asan_size);
#endif
#ifdef SAN_TSAN
    __tsan_switch_to_fiber(to->tsan_fiber, 0);
#endif
    (void)from, (void)to, (void)from_ends;
}

/* First thing after a switch, on self's stack; prev: where we came from. */
static inline void san_switch_finish(struct san_fiber *self,
                                     struct san_fiber *prev)
{
#ifdef SAN_ASAN
    const void *bottom;
    size_t size;
    __sanitizer_finish_switch_fiber(self->asan_fake_stack, &bottom, &size);
    if (prev && prev->asan_size == 0) {
        prev->asan_bottom = bottom;
        prev->asan_size = size;
    }
#endif
    (void)self, (void)prev;
}

#endif
