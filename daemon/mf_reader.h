/*
 * mf_reader.h — reading files of input records (MessagePack streams or
 * NDJSON) in chunks, for `replay` and `validate`.
 *
 * The reader owns one buffer, refills it with read(2)-sized chunks and hands
 * complete records to the handlers; a record larger than the buffer grows it.
 * Files of any size stream through in constant memory, and stdin ("-") works
 * the same way as a file.
 */
#ifndef MF_READER_H
#define MF_READER_H

#include <stdio.h>

#include "mf_common.h"

typedef enum { MF_FORMAT_AUTO = 0, MF_FORMAT_MSGPACK, MF_FORMAT_NDJSON } mf_format_t;

/* Parses "auto", "msgpack" or "ndjson"; false for anything else. */
bool mf_format_parse(const char *s, mf_format_t *out);

typedef struct {
        /* One NDJSON line, without its newline (and without a trailing \r).
         * index is the line's 0-based number in the file; blank lines are
         * skipped and not passed. */
        mf_err_t (*json)(void *opaque, const char *line, size_t len, int64_t index);
        /* The start of a MessagePack stream: decode one record, set *used.
         * Return MF_ERR_RANGE when buf holds only part of one. index is the
         * record's 0-based number in the file. */
        mf_err_t (*msgpack)(void *opaque, const char *buf, size_t len, size_t *used,
                            int64_t index);
        /* The file ended inside a MessagePack record: buf holds its bytes. */
        mf_err_t (*truncated)(void *opaque, const char *buf, size_t len, int64_t index);
        /* Called after each chunk with the bytes of this file read so far. */
        void (*progress)(void *opaque, uint64_t bytes);
        void *opaque;
} mf_reader_handlers_t;

/* Reads the whole of path ("-" for stdin) through the handlers. With
 * MF_FORMAT_AUTO the format is sniffed from the first byte: '{', '[' or any
 * printable ASCII means NDJSON, anything else MessagePack. Returns MF_ERR_IO
 * (errbuf says why) when the file cannot be read, or the first error a
 * handler returns. */
mf_err_t mf_read_records(const char *path, mf_format_t format,
                         const mf_reader_handlers_t *h, char *errbuf, size_t errlen);

#endif
