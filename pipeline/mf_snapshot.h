/*
 * mf_snapshot.h — a pipeline's state as bytes, to shorten a restore.
 *
 * The input log is the source of truth (DESIGN.md): a snapshot is only an
 * optimisation. The daemon writes one per partition after a commit, saying
 * which input offset it stands at; on assignment it loads it and replays
 * the log from that offset instead of from the 24-month horizon. Anything
 * wrong with a snapshot (torn write, another build, other alert settings or
 * calendar, a bit flipped on disk) makes the load fail with a reason, and
 * the caller replays the log as if there were none.
 *
 * Layout, all integers in the writer's byte order (a snapshot is read back
 * on the machine that wrote it, by the same build):
 *
 *   "MFSNAP\r\n"  magic
 *   u32           MF_SNAPSHOT_FORMAT
 *   u64           layout: a hash of the record layouts of this build
 *   meta          build, topic (strings), partition (i32), offset (i64)
 *   u64           payload length
 *   payload       the pipeline (mf_pipeline_save)
 *   u64           XXH3-64 of every byte before it
 *
 * A loaded pipeline behaves exactly as the one saved: the same records and
 * ticks afterwards give byte-identical outputs. Slot numbers, free lists,
 * timer heaps and sequence numbers are kept as they were, for that reason.
 */
#ifndef MF_SNAPSHOT_H
#define MF_SNAPSHOT_H

#include "mf_buf.h"

/* mf_pipeline.h; not included, for the modules below it include this. */
typedef struct mf_pipeline_s mf_pipeline_t;

/* Bump when what a saved field means changes without its size changing. */
#define MF_SNAPSHOT_FORMAT  1
#define MF_SNAPSHOT_STR_MAX 255

/* Where a snapshot stands in the input. Strings are views: into the
 * caller's memory when writing, into the snapshot's bytes when reading. */
typedef struct {
        mf_str_t build; /* the writer's version; a reader wants its own */
        mf_str_t topic;
        int32_t partition;
        int64_t offset; /* the next input offset: every record before it is in */
} mf_snapshot_meta_t;

/* Appends p's snapshot to out. */
mf_err_t mf_snapshot_write(const mf_pipeline_t *p, const mf_snapshot_meta_t *meta,
                           mf_buf_t *out);

/* Checks a snapshot's frame (magic, format, layout, checksum) and reads its
 * meta. MF_ERR_INVALID with a reason in why when it cannot be used. */
mf_err_t mf_snapshot_peek(const char *buf, size_t len, mf_snapshot_meta_t *meta,
                          char *why, size_t whylen);

/* Loads a snapshot into p, which must have taken no record yet (a fresh
 * pipeline, with populations set if any). On failure p may hold part of the
 * state: free it and start again from a fresh one. */
mf_err_t mf_snapshot_load(mf_pipeline_t *p, const char *buf, size_t len,
                          mf_snapshot_meta_t *meta, char *why, size_t whylen);

/* ---- for the modules that save their own state ---- */

typedef struct {
        mf_buf_t *out;
        mf_err_t err; /* the first failure; later puts do nothing */
} mf_snap_writer_t;

typedef struct {
        const char *p;
        size_t left;
        const char *bad; /* the first thing found wrong; NULL while all is well */
} mf_snap_reader_t;

void mf_snap_put(mf_snap_writer_t *w, const void *p, size_t n);
static inline void mf_snap_u32(mf_snap_writer_t *w, uint32_t v) {
        mf_snap_put(w, &v, sizeof(v));
}
static inline void mf_snap_u64(mf_snap_writer_t *w, uint64_t v) {
        mf_snap_put(w, &v, sizeof(v));
}
static inline void mf_snap_i64(mf_snap_writer_t *w, int64_t v) {
        mf_snap_put(w, &v, sizeof(v));
}
/* A string pool handle (mf_pool.h); NULL is kept apart from "". */
void mf_snap_handle(mf_snap_writer_t *w, const char *handle);
void mf_snap_str(mf_snap_writer_t *w, mf_str_t s);

/* Reads n bytes into p; on a short read marks the reader bad, zeroes p and
 * returns false. Every later read fails too. */
bool mf_snap_get(mf_snap_reader_t *r, void *p, size_t n);
uint32_t mf_snap_get_u32(mf_snap_reader_t *r);
uint64_t mf_snap_get_u64(mf_snap_reader_t *r);
int64_t mf_snap_get_i64(mf_snap_reader_t *r);
/* A string written by mf_snap_str or mf_snap_handle: a view into the
 * snapshot; *null says it was a NULL handle. */
mf_str_t mf_snap_get_str(mf_snap_reader_t *r, bool *null);
/* Whether a loaded date or instant is one the pipeline can compute with:
 * NONE, or within about 2,700 years of 1970. */
bool mf_snap_date_ok(int64_t d);
bool mf_snap_instant_ok(int64_t t);
/* Marks the reader bad (the first reason is kept). Returns false. */
bool mf_snap_fail(mf_snap_reader_t *r, const char *why);

#endif
