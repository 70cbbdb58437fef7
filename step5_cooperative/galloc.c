/*
 * galloc.c: where Gs come from and go back to (Go: malg, gfget, gfput
 * and allgs, in runtime/proc.go).
 *
 * Gs are made a slab at a time and never freed: a G whose goroutine ended
 * waits on a free list for the next go() (Go also keeps dead Gs: p.gFree,
 * sched.gFree). Each P keeps a few dead Gs of its own, without a lock;
 * beyond GFREE_LOCAL_MAX they go to a shared list. A slab is an mmap:
 * the kernel's fresh pages are zero already, so nothing is memset. The
 * slabs, oldest first, are also Go's allgs: every G, for checkdead.
 */
#include "runtime.h"

#include "common.h"

#include <stdlib.h>
#include <sys/mman.h>

enum {
    GFREE_LOCAL_MAX = 64,   /* dead Gs kept per P before sharing */
    G_SLAB_BYTES = 1 << 20, /* Gs are allocated this many bytes at once */
};

struct gslab {
    struct gslab *next;
    size_t used, cap;  /* g[0..used) handed out, g[0..cap) fit */
    G g[];
};

static struct {
    pthread_mutex_t lock; /* guards everything below */
    G *gfree;             /* dead Gs shared by all Ps */
    struct gslab *slabs, *slabtail; /* every G ever made (allgs) */
} gs = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* A never-used G, from the newest slab. gs.lock held. */
static G *gcarve_locked(void)
{
    struct gslab *s = gs.slabtail;
    if (!s || s->used == s->cap) {
        s = mmap(NULL, G_SLAB_BYTES, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (s == MAP_FAILED)
            fatal("out of memory (goroutines)");
        s->cap = (G_SLAB_BYTES - sizeof *s) / sizeof(G);
        if (gs.slabtail)
            gs.slabtail->next = s;
        else
            gs.slabs = s;
        gs.slabtail = s;
    }
    return &s->g[s->used++];
}

G *galloc(void)
{
    pthread_mutex_lock(&gs.lock);
    G *g = gcarve_locked();
    pthread_mutex_unlock(&gs.lock);
    return g;
}

G *gfget(P *p)
{
    if (!p->gfree) {
        pthread_mutex_lock(&gs.lock);
        while (p->ngfree < GFREE_LOCAL_MAX / 2) {
            G *g = gs.gfree;
            if (g)
                gs.gfree = g->schedlink;
            else
                g = gcarve_locked();
            g->schedlink = p->gfree;
            p->gfree = g;
            p->ngfree++;
        }
        pthread_mutex_unlock(&gs.lock);
    }
    G *g = p->gfree;
    p->gfree = g->schedlink;
    p->ngfree--;
    return g;
}

void gfput(P *p, G *g)
{
    g->schedlink = p->gfree;
    p->gfree = g;
    if (++p->ngfree < GFREE_LOCAL_MAX)
        return;
    pthread_mutex_lock(&gs.lock);
    while (p->ngfree > GFREE_LOCAL_MAX / 2) {
        G *old = p->gfree;
        p->gfree = old->schedlink;
        p->ngfree--;
        old->schedlink = gs.gfree;
        gs.gfree = old;
    }
    pthread_mutex_unlock(&gs.lock);
}

size_t allgs(G ***list)
{
    pthread_mutex_lock(&gs.lock);
    size_t n = 0;
    for (struct gslab *s = gs.slabs; s; s = s->next)
        n += s->used;
    G **all = malloc((n ? n : 1) * sizeof *all);
    if (!all)
        fatal("out of memory (allgs)");
    n = 0;
    for (struct gslab *s = gs.slabs; s; s = s->next)
        for (size_t i = 0; i < s->used; i++)
            all[n++] = &s->g[i];
    pthread_mutex_unlock(&gs.lock);
    *list = all;
    return n;
}
