/*
 * mf_pool.h — memory for state that lives as long as the 24-month horizon.
 *
 * Two allocators, both amortised to zero allocations per event:
 *   mf_strpool  short strings (ids and codes, at most 255 bytes) in size
 *               classes carved from 64 KiB blocks; a released string's chunk is
 *               reused by the next string of its class, so memory stays flat on
 *               an endless stream.
 *   mf_slab     fixed-size records addressed by a 32-bit slot number, with a
 *               free list of released slots. Slot numbers, not pointers, are
 *               kept in state: the slab may move when it grows.
 */
#ifndef MF_POOL_H
#define MF_POOL_H

#include "mf_common.h"
#include "mf_snapshot.h"

#define MF_SLOT_NONE UINT32_MAX

/* ---- strings ---- */

typedef struct mf_strpool_s mf_strpool_t;

mf_strpool_t *mf_strpool_new(void);
void mf_strpool_free(mf_strpool_t *sp);
/* Copies s (len <= 255) into the pool. Returns a handle, or NULL on ENOMEM or
 * when s is longer than 255 bytes. */
const char *mf_strpool_put(mf_strpool_t *sp, mf_str_t s);
/* Returns a handle's chunk to the pool. h may be NULL. */
void mf_strpool_release(mf_strpool_t *sp, const char *h);
/* Bytes held in blocks (for memory figures). */
size_t mf_strpool_bytes(const mf_strpool_t *sp);

/* The string behind a handle; an empty view for NULL. */
static inline mf_str_t mf_strpool_get(const char *h) {
        return h ? mf_str(h + 1, (uint8_t)h[0]) : MF_STR_NULL;
}

/* ---- fixed-size records ---- */

typedef struct {
        char *data;
        size_t elsize;
        uint32_t len; /* slots ever handed out (live + free) */
        uint32_t cap;
        uint32_t *freelist;
        uint32_t nfree;
        uint32_t freecap;
} mf_slab_t;

void mf_slab_init(mf_slab_t *s, size_t elsize);
void mf_slab_destroy(mf_slab_t *s);
/* A zeroed slot; MF_SLOT_NONE on ENOMEM. May move every record. */
uint32_t mf_slab_alloc(mf_slab_t *s);
void mf_slab_release(mf_slab_t *s, uint32_t slot);
static inline void *mf_slab_at(const mf_slab_t *s, uint32_t slot) {
        return s->data + (size_t)slot * s->elsize;
}
/* Snapshots (mf_snapshot.h): every slot, live or free, and the free list in
 * its order, so that slot numbers come back as they were. The fields at
 * str_offs are string handles: saved as strings, loaded into sp. */
void mf_slab_save(const mf_slab_t *s, const size_t *str_offs, size_t nstr,
                  mf_snap_writer_t *w);
/* Into an empty slab; false (and r marked bad) on a malformed snapshot or
 * ENOMEM. */
bool mf_slab_load(mf_slab_t *s, const size_t *str_offs, size_t nstr, mf_strpool_t *sp,
                  mf_snap_reader_t *r);
static inline uint32_t mf_slab_live(const mf_slab_t *s) {
        return s->len - s->nfree;
}

#endif
