#include "mf_pool.h"

#include <stdlib.h>

/* Chunk sizes: one length byte plus the string, rounded up. 16 bytes is the
 * smallest so a released chunk can hold the free-list link. */
static const size_t classes[] = {16, 32, 48, 80, 128, 256};
#define NCLASSES (sizeof(classes) / sizeof(classes[0]))
#define BLOCK    65536

typedef struct block_s {
        struct block_s *next;
        size_t used;
        _Alignas(16) char data[];
} block_t;

struct mf_strpool_s {
        block_t *blocks;
        void *free[NCLASSES];
        size_t bytes;
};

mf_strpool_t *mf_strpool_new(void) {
        return calloc(1, sizeof(mf_strpool_t));
}

void mf_strpool_free(mf_strpool_t *sp) {
        if (!sp)
                return;
        for (block_t *b = sp->blocks, *n; b; b = n) {
                n = b->next;
                free(b);
        }
        free(sp);
}

static int class_of(size_t need) {
        for (size_t c = 0; c < NCLASSES; c++)
                if (need <= classes[c])
                        return (int)c;
        return -1;
}

const char *mf_strpool_put(mf_strpool_t *sp, mf_str_t s) {
        if (s.len > 255)
                return NULL;
        int c = class_of(s.len + 1);
        char *chunk = sp->free[c];
        if (chunk) {
                memcpy(&sp->free[c], chunk, sizeof(void *));
        } else {
                if (!sp->blocks || sp->blocks->used + classes[c] > BLOCK) {
                        block_t *b = malloc(sizeof(block_t) + BLOCK);
                        if (!b)
                                return NULL;
                        b->next = sp->blocks;
                        b->used = 0;
                        sp->blocks = b;
                        sp->bytes += sizeof(block_t) + BLOCK;
                }
                chunk = sp->blocks->data + sp->blocks->used;
                sp->blocks->used += classes[c];
        }
        chunk[0] = (char)(uint8_t)s.len;
        if (s.len)
                memcpy(chunk + 1, s.ptr, s.len);
        return chunk;
}

void mf_strpool_release(mf_strpool_t *sp, const char *h) {
        if (!h)
                return;
        char *chunk = (char *)h;
        int c = class_of((uint8_t)chunk[0] + 1u);
        memcpy(chunk, &sp->free[c], sizeof(void *));
        sp->free[c] = chunk;
}

size_t mf_strpool_bytes(const mf_strpool_t *sp) {
        return sp->bytes;
}

void mf_slab_init(mf_slab_t *s, size_t elsize) {
        memset(s, 0, sizeof(*s));
        s->elsize = elsize;
}

void mf_slab_destroy(mf_slab_t *s) {
        free(s->data);
        free(s->freelist);
        mf_slab_init(s, s->elsize);
}

uint32_t mf_slab_alloc(mf_slab_t *s) {
        uint32_t slot;
        if (s->nfree) {
                slot = s->freelist[--s->nfree];
        } else {
                if (s->len == s->cap) {
                        uint32_t cap = s->cap ? s->cap * 2 : 64;
                        char *d = realloc(s->data, (size_t)cap * s->elsize);
                        if (!d)
                                return MF_SLOT_NONE;
                        s->data = d;
                        s->cap = cap;
                }
                slot = s->len++;
        }
        memset(mf_slab_at(s, slot), 0, s->elsize);
        return slot;
}

void mf_slab_release(mf_slab_t *s, uint32_t slot) {
        if (s->nfree == s->freecap) {
                uint32_t cap = s->freecap ? s->freecap * 2 : 64;
                uint32_t *f = realloc(s->freelist, sizeof(*f) * cap);
                if (!f)
                        return; /* the slot is leaked until the slab is destroyed */
                s->freelist = f;
                s->freecap = cap;
        }
        s->freelist[s->nfree++] = slot;
}
