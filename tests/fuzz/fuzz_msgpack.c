/*
 * fuzz_msgpack.c — libFuzzer target for mf_event_decode_msgpack.
 *
 * The input is decoded the two ways the daemon reads MessagePack: as one
 * Kafka message (the whole input is the record), and as a file stream,
 * record after record at buf + used, as `replay` reads one. Beyond crashes
 * and sanitizer reports it checks mf_event.h's promises (*used within the
 * buffer and progressing, strings as views into it within their limits,
 * reason codes) and that every accepted event round-trips through both
 * encoders and decoders.
 */
#include <stdint.h>
#include <stdlib.h>

#include "fuzz_event_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static mf_decoder_t *decoder;

/* One decode of buf[0..len), checked; returns the bytes used, or 0 for
 * "read more" (MF_ERR_RANGE). */
static size_t decode_one(const char *buf, size_t len) {
        mf_event_t ev;
        mf_reject_t rej;
        size_t used = SIZE_MAX;
        mf_err_t rc = mf_event_decode_msgpack(decoder, buf, len, &used, &ev, &rej);
        switch (rc) {
                case MF_OK:
                        FUZZ_CHECK(used > 0 && used <= len);
                        fuzz_check_event(&ev, buf, used);
                        fuzz_check_round_trip(decoder, &ev);
                        return used;
                case MF_ERR_INVALID:
                        FUZZ_CHECK(used > 0 && used <= len);
                        fuzz_check_reject(&rej);
                        return used;
                case MF_ERR_RANGE:
                        /* Only the beginning of a record: *used is all of buf
                         * (left alone for an empty buf). */
                        FUZZ_CHECK(len == 0 ? used == SIZE_MAX : used == len);
                        return 0;
                case MF_ERR_NOMEM:
                        return 0;
                default:
                        FUZZ_CHECK(!"an error code mf_event.h does not list");
                        return 0;
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (!decoder) {
                decoder = mf_decoder_new();
                FUZZ_CHECK(decoder != NULL);
        }
        const char *buf = (const char *)data;
        /* A Kafka message: the whole input is one record. */
        decode_one(buf, size);
        /* A file: records one after another until the end or a partial one. */
        size_t off = 0;
        while (off < size) {
                size_t used = decode_one(buf + off, size - off);
                if (used == 0)
                        break;
                off += used;
        }
        return 0;
}
