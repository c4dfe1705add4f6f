/*
 * mf_snapfile.h — snapshot files in the state directory.
 *
 * One file per input partition, DIR/TOPIC.PARTITION.snap, holding what
 * mf_snapshot_write makes. A file is replaced whole: written to a temporary
 * name beside it, flushed to disk, renamed over the old one, and the
 * directory flushed, so that a crash or a full disk leaves the previous
 * snapshot or none, never half of one (and a half one would fail its
 * checksum anyway). A failed write removes its temporary file.
 *
 * Paths and errno texts are all an error says: never anything from state.
 */
#ifndef MF_SNAPFILE_H
#define MF_SNAPFILE_H

#include <stddef.h>
#include <stdint.h>

#include "mf_buf.h"

/* Creates dir (mode 0700) if it does not exist. -1 with why on failure. */
int mf_snapfile_prepare(const char *dir, char *why, size_t whylen);

/* Replaces the partition's snapshot with data. -1 with why ("PATH: errno
 * text") on failure, the old snapshot, if any, left as it was. */
int mf_snapfile_write(const char *dir, const char *topic, int32_t partition,
                      const char *data, size_t len, char *why, size_t whylen);

/* Reads the partition's snapshot into out. 1 when there is none, -1 with
 * why when it cannot be read, 0 when out holds it. */
int mf_snapfile_read(const char *dir, const char *topic, int32_t partition, mf_buf_t *out,
                     char *why, size_t whylen);

#endif
