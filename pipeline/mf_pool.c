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

/* ---- snapshots ---- */

#define SLAB_RECORD_MAX 256

void mf_slab_save(const mf_slab_t *s, const size_t *str_offs, size_t nstr,
                  mf_snap_writer_t *w) {
        mf_snap_u32(w, (uint32_t)s->elsize);
        mf_snap_u32(w, s->len);
        mf_snap_u32(w, s->nfree);
        mf_snap_put(w, s->freelist, sizeof(*s->freelist) * s->nfree);
        char rec[SLAB_RECORD_MAX];
        for (uint32_t slot = 0; slot < s->len && w->err == MF_OK; slot++) {
                memcpy(rec, mf_slab_at(s, slot), s->elsize);
                /* Pointers mean nothing in another process: the strings
                 * follow the record instead. */
                for (size_t i = 0; i < nstr; i++)
                        memset(rec + str_offs[i], 0, sizeof(const char *));
                mf_snap_put(w, rec, s->elsize);
                for (size_t i = 0; i < nstr; i++) {
                        const char *h;
                        memcpy(&h, (const char *)mf_slab_at(s, slot) + str_offs[i],
                               sizeof(h));
                        mf_snap_handle(w, h);
                }
        }
}

static uint32_t pow2_at_least(uint32_t n, uint32_t min) {
        uint32_t c = min;
        while (c < n && c < (UINT32_C(1) << 31))
                c *= 2;
        return c;
}

bool mf_slab_load(mf_slab_t *s, const size_t *str_offs, size_t nstr, mf_strpool_t *sp,
                  mf_snap_reader_t *r) {
        if (s->len || s->elsize > SLAB_RECORD_MAX)
                return mf_snap_fail(r, "slab not empty");
        if (mf_snap_get_u32(r) != s->elsize)
                return mf_snap_fail(r, "record size differs");
        uint32_t len = mf_snap_get_u32(r), nfree = mf_snap_get_u32(r);
        if (r->bad)
                return false;
        /* Each slot takes at least its record's bytes: a length the rest of
         * the snapshot cannot hold is corrupt, not a reason to allocate. */
        if (nfree > len || (uint64_t)len * s->elsize > r->left ||
            (uint64_t)nfree * sizeof(uint32_t) > r->left)
                return mf_snap_fail(r, "slab length beyond the snapshot");
        if (len) {
                uint32_t cap = pow2_at_least(len, 64);
                if (!(s->data = malloc((size_t)cap * s->elsize)))
                        return mf_snap_fail(r, "out of memory");
                s->cap = cap;
        }
        if (nfree) {
                uint32_t cap = pow2_at_least(nfree, 64);
                if (!(s->freelist = malloc(sizeof(uint32_t) * cap)))
                        return mf_snap_fail(r, "out of memory");
                s->freecap = cap;
                if (!mf_snap_get(r, s->freelist, sizeof(uint32_t) * nfree))
                        return false;
                for (uint32_t i = 0; i < nfree; i++)
                        if (s->freelist[i] >= len)
                                return mf_snap_fail(r, "free slot out of range");
                s->nfree = nfree;
        }
        for (uint32_t slot = 0; slot < len; slot++) {
                char *rec = mf_slab_at(s, slot);
                if (!mf_snap_get(r, rec, s->elsize))
                        return false;
                for (size_t i = 0; i < nstr; i++)
                        memset(rec + str_offs[i], 0, sizeof(const char *));
                s->len = slot + 1; /* what the pool holds is released with it */
                for (size_t i = 0; i < nstr; i++) {
                        bool null;
                        mf_str_t str = mf_snap_get_str(r, &null);
                        if (r->bad)
                                return false;
                        const char *h = NULL;
                        if (!null && !(h = mf_strpool_put(sp, str)))
                                return mf_snap_fail(r, "out of memory");
                        memcpy(rec + str_offs[i], &h, sizeof(h));
                }
        }
        return true;
}
