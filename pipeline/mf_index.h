/*
 * mf_index.h — hash indexes over state.
 *
 *   mf_index  maps a key's 64-bit hash to a slot number, keeping 32 bits of
 *             the hash beside the slot in an 8-byte bucket. Keys themselves
 *             live in the records; lookups confirm a match with the caller's
 *             equality callback, so colliding hashes are never confused.
 *             Open addressing with linear probing; entries are removed only by
 *             rebuilding (mf_index_clear + inserts), which the periodic
 *             horizon sweep does anyway.
 *   mf_seen   the set of event ids already applied (dedupe). It keeps 96 bits
 *             of XXH3-128 of each id and the event's date, not the id: at the
 *             largest scale (~15 million ids in 24 months) the chance of two
 *             ids sharing 96 bits is below 1e-14, and the memory is 16 bytes
 *             an id, at a load between 1/2 and 3/4 (its capacity is any
 *             number, not a power of two). mf_seen_sweep drops ids dated
 *             before the horizon.
 */
#ifndef MF_INDEX_H
#define MF_INDEX_H

#include "mf_common.h"
#include "mf_snapshot.h"

#define MF_INDEX_NONE UINT32_MAX

typedef struct {
        uint32_t tag; /* 32 bits of the key's hash; 0 = empty */
        uint32_t val;
} mf_bucket_t;

typedef struct {
        mf_bucket_t *b;
        uint32_t cap; /* power of two */
        uint32_t len;
} mf_index_t;

typedef bool (*mf_index_eq_fn)(const void *ctx, uint32_t val);

uint64_t mf_hash(mf_str_t s);
void mf_index_init(mf_index_t *ix);
void mf_index_destroy(mf_index_t *ix);
void mf_index_clear(mf_index_t *ix);
uint32_t mf_index_find(const mf_index_t *ix, uint64_t h, mf_index_eq_fn eq,
                       const void *ctx);
/* Adds (h, val); the caller has checked the key is not present. */
mf_err_t mf_index_insert(mf_index_t *ix, uint64_t h, uint32_t val);
size_t mf_index_bytes(const mf_index_t *ix);

typedef struct {
        uint64_t a;
        uint32_t b;
        mf_date_t date;
} mf_seen_entry_t;

typedef struct {
        mf_seen_entry_t *e; /* a == 0 && b == 0: empty */
        uint32_t cap;
        uint32_t len;
} mf_seen_t;

void mf_seen_init(mf_seen_t *s);
void mf_seen_destroy(mf_seen_t *s);
/* Records id (dated date). Returns true when it was new, false when it had
 * been seen; *err is set on ENOMEM. */
bool mf_seen_add(mf_seen_t *s, mf_str_t id, mf_date_t date, mf_err_t *err);
bool mf_seen_contains(const mf_seen_t *s, mf_str_t id);
/* Drops every id dated before first_kept. */
mf_err_t mf_seen_sweep(mf_seen_t *s, mf_date_t first_kept);
size_t mf_seen_bytes(const mf_seen_t *s);
/* Snapshots (mf_snapshot.h): the live entries. Loading needs an empty set;
 * false (and r marked bad) on a malformed snapshot or ENOMEM. */
void mf_seen_save(const mf_seen_t *s, mf_snap_writer_t *w);
bool mf_seen_load(mf_seen_t *s, mf_snap_reader_t *r);

#endif
