/*
 * mf_cmd_validate.c — `mashflow validate`: checks files of input records
 * against the event contract (EVENTS.md), one verdict per record:
 *   ok
 *   reject <reason> <detail>
 * The verdicts are the decoder's own, so they are exactly what `run` and
 * `replay` would dead-letter (less too_late and duplicates, which depend on
 * the stream rather than the record).
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "mf_buf.h"
#include "mf_cmd.h"
#include "mf_event.h"
#include "mf_reader.h"

typedef struct {
        mf_decoder_t *dec;
        mf_buf_t scratch;
        uint64_t ok, rejected;
} validate_t;

static void verdict(validate_t *v, mf_err_t rc, const mf_reject_t *rej) {
        if (rc == MF_OK) {
                v->ok++;
                puts("ok");
        } else {
                v->rejected++;
                printf("reject %s %s\n", mf_reason_name(rej->reason), rej->detail);
        }
}

static mf_err_t on_json(void *opaque, const char *line, size_t len, int64_t index) {
        validate_t *v = opaque;
        MF_UNUSED(index);
        mf_buf_reset(&v->scratch);
        mf_err_t rc = mf_buf_append(&v->scratch, line, len);
        if (rc != MF_OK)
                return rc;
        mf_event_t ev;
        mf_reject_t rej;
        rc = mf_event_decode_json(v->dec, v->scratch.data, len, &ev, &rej);
        if (rc != MF_OK && rc != MF_ERR_INVALID)
                return rc;
        verdict(v, rc, &rej);
        return MF_OK;
}

static mf_err_t on_msgpack(void *opaque, const char *buf, size_t len, size_t *used,
                           int64_t index) {
        validate_t *v = opaque;
        MF_UNUSED(index);
        mf_event_t ev;
        mf_reject_t rej;
        mf_err_t rc = mf_event_decode_msgpack(v->dec, buf, len, used, &ev, &rej);
        if (rc != MF_OK && rc != MF_ERR_INVALID)
                return rc;
        verdict(v, rc, &rej);
        return MF_OK;
}

static mf_err_t on_truncated(void *opaque, const char *buf, size_t len, int64_t index) {
        MF_UNUSED(buf), MF_UNUSED(len), MF_UNUSED(index);
        mf_reject_t rej = {MF_REASON_BAD_ENCODING,
                           "file ends inside a MessagePack value"};
        verdict(opaque, MF_ERR_INVALID, &rej);
        return MF_OK;
}

static void usage(FILE *out) {
        fprintf(out,
                "usage: mashflow validate [--format auto|msgpack|ndjson] FILE...\n"
                "\n"
                "Prints one line per input record: 'ok', or 'reject <reason> <detail>'\n"
                "with the dead-letter reason code. Exits 0 when every record is valid,\n"
                "1 when any is rejected, 2 on a usage error.\n");
}

int mf_cmd_validate(int argc, char **argv) {
        static const struct option opts[] = {
            {"format", required_argument, NULL, 'f'},
            {"help", no_argument, NULL, 'h'},
            {NULL, 0, NULL, 0},
        };
        mf_format_t format = MF_FORMAT_AUTO;
        int c;
        optind = 1;
        while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
                switch (c) {
                        case 'f':
                                if (!mf_format_parse(optarg, &format)) {
                                        fprintf(stderr,
                                                "validate: --format is auto, msgpack or "
                                                "ndjson\n");
                                        return MF_EXIT_USAGE;
                                }
                                break;
                        case 'h':
                                usage(stdout);
                                return MF_EXIT_OK;
                        default:
                                usage(stderr);
                                return MF_EXIT_USAGE;
                }
        }
        if (optind >= argc) {
                usage(stderr);
                return MF_EXIT_USAGE;
        }
        validate_t v = {.dec = mf_decoder_new()};
        mf_buf_init(&v.scratch);
        if (!v.dec)
                return MF_EXIT_FAILURE;
        const mf_reader_handlers_t h = {on_json, on_msgpack, on_truncated, NULL, &v};
        int status = MF_EXIT_OK;
        char err[512];
        for (int i = optind; i < argc; i++) {
                mf_err_t rc = mf_read_records(argv[i], format, &h, err, sizeof(err));
                if (rc != MF_OK) {
                        fprintf(stderr, "validate: %s\n",
                                rc == MF_ERR_IO ? err : mf_err_str(rc));
                        status = MF_EXIT_FAILURE;
                }
        }
        mf_decoder_free(v.dec);
        mf_buf_destroy(&v.scratch);
        fflush(stdout);
        if (status == MF_EXIT_OK && v.rejected)
                status = MF_EXIT_FAILURE;
        return status;
}
