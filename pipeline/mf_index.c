#include "mf_index.h"

#include <stdlib.h>
#include <xxhash.h>

uint64_t mf_hash(mf_str_t s) {
        return XXH3_64bits(s.ptr, s.len);
}

/* A bucket keeps 32 bits of the hash, folded from all 64, with 0 kept for
 * an empty bucket; its home is the tag's low bits, so growing needs no key.
 * Tag and slot share a bucket so that a probe reads one cache line. */
static inline uint32_t tag_of(uint64_t h) {
        uint32_t t = (uint32_t)(h ^ (h >> 32));
        return t ? t : 1;
}

void mf_index_init(mf_index_t *ix) {
        memset(ix, 0, sizeof(*ix));
}

void mf_index_destroy(mf_index_t *ix) {
        free(ix->b);
        mf_index_init(ix);
}

void mf_index_clear(mf_index_t *ix) {
        if (ix->b)
                memset(ix->b, 0, sizeof(*ix->b) * ix->cap);
        ix->len = 0;
}

uint32_t mf_index_find(const mf_index_t *ix, uint64_t h, mf_index_eq_fn eq,
                       const void *ctx) {
        if (!ix->cap)
                return MF_INDEX_NONE;
        uint32_t mask = ix->cap - 1, tag = tag_of(h);
        for (uint32_t i = tag & mask;; i = (i + 1) & mask) {
                const mf_bucket_t *b = &ix->b[i];
                if (b->tag == 0)
                        return MF_INDEX_NONE;
                if (b->tag == tag && eq(ctx, b->val))
                        return b->val;
        }
}

static void place(mf_bucket_t *b, uint32_t mask, uint32_t tag, uint32_t val) {
        uint32_t i = tag & mask;
        while (b[i].tag)
                i = (i + 1) & mask;
        b[i].tag = tag;
        b[i].val = val;
}

mf_err_t mf_index_insert(mf_index_t *ix, uint64_t h, uint32_t val) {
        /* Load factor at most 3/4 keeps probes short. */
        if ((uint64_t)(ix->len + 1) * 4 > (uint64_t)ix->cap * 3) {
                if (ix->cap > UINT32_MAX / 2)
                        return MF_ERR_NOMEM;
                uint32_t cap = ix->cap ? ix->cap * 2 : 64;
                mf_bucket_t *b = mf_table_alloc(sizeof(*b) * cap);
                if (!b)
                        return MF_ERR_NOMEM;
                for (uint32_t i = 0; i < ix->cap; i++)
                        if (ix->b[i].tag)
                                place(b, cap - 1, ix->b[i].tag, ix->b[i].val);
                free(ix->b);
                ix->b = b;
                ix->cap = cap;
        }
        place(ix->b, ix->cap - 1, tag_of(h), val);
        ix->len++;
        return MF_OK;
}

size_t mf_index_bytes(const mf_index_t *ix) {
        return (size_t)ix->cap * sizeof(mf_bucket_t);
}

void mf_seen_init(mf_seen_t *s) {
        memset(s, 0, sizeof(*s));
}

void mf_seen_destroy(mf_seen_t *s) {
        free(s->e);
        mf_seen_init(s);
}

static void seen_key(mf_str_t id, uint64_t *a, uint32_t *b) {
        XXH128_hash_t h = XXH3_128bits(id.ptr, id.len);
        *a = h.low64 ? h.low64 : 1;
        *b = (uint32_t)h.high64;
}

/* Any capacity, not only powers of two, so that the set's memory follows its
 * size: an id's home is its hash scaled to the capacity (multiply and
 * shift), and probing wraps at the end. */
static mf_seen_entry_t *seen_slot(mf_seen_entry_t *e, uint32_t cap, uint64_t a,
                                  uint32_t b) {
        uint32_t i = (uint32_t)(((a >> 32) * (uint64_t)cap) >> 32);
        for (;;) {
                if (e[i].a == 0 || (e[i].a == a && e[i].b == b))
                        return &e[i];
                if (++i == cap)
                        i = 0;
        }
}

/* Room for n ids at a load of 1/mult: the set grows by half when it passes a
 * load of 3/4 (to 1/2), and a sweep sizes it to 2/3 of what it keeps, which
 * the 28 days to the next sweep leave below 3/4. */
static uint32_t seen_cap_for(uint32_t n, double mult) {
        double cap = (double)n * mult + 1;
        return cap < 1024 ? 1024 : cap >= UINT32_MAX ? UINT32_MAX : (uint32_t)cap;
}

static mf_err_t seen_rehash(mf_seen_t *s, uint32_t cap, mf_date_t first_kept) {
        mf_seen_entry_t *e = mf_table_alloc(sizeof(*e) * cap);
        if (!e)
                return MF_ERR_NOMEM;
        uint32_t len = 0;
        for (uint32_t i = 0; i < s->cap; i++) {
                mf_seen_entry_t *old = &s->e[i];
                if (old->a == 0 || old->date < first_kept)
                        continue;
                *seen_slot(e, cap, old->a, old->b) = *old;
                len++;
        }
        free(s->e);
        s->e = e;
        s->cap = cap;
        s->len = len;
        return MF_OK;
}

bool mf_seen_add(mf_seen_t *s, mf_str_t id, mf_date_t date, mf_err_t *err) {
        *err = MF_OK;
        if ((uint64_t)(s->len + 1) * 4 > (uint64_t)s->cap * 3) {
                if (s->len >= UINT32_MAX / 2) {
                        *err = MF_ERR_NOMEM;
                        return false;
                }
                *err = seen_rehash(s, seen_cap_for(s->len, 2.0), INT32_MIN);
                if (*err != MF_OK)
                        return false;
        }
        uint64_t a;
        uint32_t b;
        seen_key(id, &a, &b);
        mf_seen_entry_t *slot = seen_slot(s->e, s->cap, a, b);
        if (slot->a)
                return false;
        slot->a = a;
        slot->b = b;
        slot->date = date;
        s->len++;
        return true;
}

bool mf_seen_contains(const mf_seen_t *s, mf_str_t id) {
        if (!s->cap)
                return false;
        uint64_t a;
        uint32_t b;
        seen_key(id, &a, &b);
        return seen_slot(s->e, s->cap, a, b)->a != 0;
}

mf_err_t mf_seen_sweep(mf_seen_t *s, mf_date_t first_kept) {
        if (!s->cap)
                return MF_OK;
        uint32_t live = 0;
        for (uint32_t i = 0; i < s->cap; i++)
                if (s->e[i].a && s->e[i].date >= first_kept)
                        live++;
        return seen_rehash(s, seen_cap_for(live, 1.5), first_kept);
}

size_t mf_seen_bytes(const mf_seen_t *s) {
        return (size_t)s->cap * sizeof(mf_seen_entry_t);
}

void mf_seen_save(const mf_seen_t *s, mf_snap_writer_t *w) {
        mf_snap_u32(w, s->len);
        for (uint32_t i = 0; i < s->cap; i++)
                if (s->e[i].a)
                        mf_snap_put(w, &s->e[i], sizeof(s->e[i]));
}

bool mf_seen_load(mf_seen_t *s, mf_snap_reader_t *r) {
        if (s->cap)
                return mf_snap_fail(r, "event id set not empty");
        uint32_t len = mf_snap_get_u32(r);
        if (r->bad)
                return false;
        if ((uint64_t)len * sizeof(mf_seen_entry_t) > r->left)
                return mf_snap_fail(r, "event id count beyond the snapshot");
        if (len >= UINT32_MAX / 2)
                return mf_snap_fail(r, "event id count beyond what a set holds");
        uint32_t cap = seen_cap_for(len, 1.5);
        if (!(s->e = mf_table_alloc(sizeof(*s->e) * cap)))
                return mf_snap_fail(r, "out of memory");
        s->cap = cap;
        for (uint32_t i = 0; i < len; i++) {
                mf_seen_entry_t e;
                if (!mf_snap_get(r, &e, sizeof(e)))
                        return false;
                mf_seen_entry_t *slot = seen_slot(s->e, s->cap, e.a, e.b);
                if (e.a == 0 || slot->a)
                        return mf_snap_fail(r, "event id set malformed");
                *slot = e;
                s->len++;
        }
        return true;
}
