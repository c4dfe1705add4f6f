/*
 * fuzz_json.c — libFuzzer target for mf_event_decode_json.
 *
 * The input is one NDJSON line (the decoder gets exactly the input's bytes,
 * in a buffer of that size, since it undoes escapes in place). Beyond
 * crashes and sanitizer reports it checks mf_event.h's promises (strings as
 * views into the buffer within their limits, reason codes) and that every
 * accepted event round-trips through both encoders and decoders.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_event_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static mf_decoder_t *decoder;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (!decoder) {
                decoder = mf_decoder_new();
                FUZZ_CHECK(decoder != NULL);
        }
        /* A copy of exactly size bytes, not NUL-terminated, as a line in the
         * reader's buffer is not: any read past the end is an ASan report. */
        char *buf = malloc(size ? size : 1);
        FUZZ_CHECK(buf != NULL);
        if (size)
                memcpy(buf, data, size);
        mf_event_t ev;
        mf_reject_t rej;
        mf_err_t rc = mf_event_decode_json(decoder, buf, size, &ev, &rej);
        switch (rc) {
                case MF_OK:
                        fuzz_check_event(&ev, buf, size);
                        fuzz_check_round_trip(decoder, &ev);
                        break;
                case MF_ERR_INVALID:
                        fuzz_check_reject(&rej);
                        break;
                case MF_ERR_NOMEM:
                        break;
                default:
                        FUZZ_CHECK(!"an error code mf_event.h does not list");
        }
        free(buf);
        return 0;
}
