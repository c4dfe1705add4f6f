#include "mf_snapshot.h"

#include <stdio.h>
#include <xxhash.h>

#include "mf_deadline.h"
#include "mf_index.h"
#include "mf_pipeline.h"
#include "mf_store.h"

static const char magic[8] = {'M', 'F', 'S', 'N', 'A', 'P', '\r', '\n'};

/* ---- primitives ---- */

void mf_snap_put(mf_snap_writer_t *w, const void *p, size_t n) {
        if (w->err == MF_OK && n)
                w->err = mf_buf_append(w->out, p, n);
}

#define STR_NULL 0xffffu

void mf_snap_str(mf_snap_writer_t *w, mf_str_t s) {
        uint16_t n =
            (uint16_t)(s.len > MF_SNAPSHOT_STR_MAX ? MF_SNAPSHOT_STR_MAX : s.len);
        mf_snap_put(w, &n, sizeof(n));
        mf_snap_put(w, s.ptr, n);
}

void mf_snap_handle(mf_snap_writer_t *w, const char *handle) {
        if (!handle) {
                uint16_t n = STR_NULL;
                mf_snap_put(w, &n, sizeof(n));
        } else
                mf_snap_str(w, mf_strpool_get(handle));
}

bool mf_snap_fail(mf_snap_reader_t *r, const char *why) {
        if (!r->bad)
                r->bad = why;
        r->left = 0;
        return false;
}

bool mf_snap_get(mf_snap_reader_t *r, void *p, size_t n) {
        if (r->bad || n > r->left) {
                memset(p, 0, n);
                return mf_snap_fail(r, "truncated");
        }
        memcpy(p, r->p, n);
        r->p += n;
        r->left -= n;
        return true;
}

uint32_t mf_snap_get_u32(mf_snap_reader_t *r) {
        uint32_t v;
        mf_snap_get(r, &v, sizeof(v));
        return v;
}

uint64_t mf_snap_get_u64(mf_snap_reader_t *r) {
        uint64_t v;
        mf_snap_get(r, &v, sizeof(v));
        return v;
}

int64_t mf_snap_get_i64(mf_snap_reader_t *r) {
        int64_t v;
        mf_snap_get(r, &v, sizeof(v));
        return v;
}

mf_str_t mf_snap_get_str(mf_snap_reader_t *r, bool *null) {
        uint16_t n = 0;
        *null = false;
        if (!mf_snap_get(r, &n, sizeof(n)))
                return MF_STR_NULL;
        if (n == STR_NULL) {
                *null = true;
                return MF_STR_NULL;
        }
        if (n > MF_SNAPSHOT_STR_MAX || n > r->left) {
                mf_snap_fail(r, n > r->left ? "truncated" : "string too long");
                return MF_STR_NULL;
        }
        mf_str_t s = mf_str(r->p, n);
        r->p += n;
        r->left -= n;
        return s;
}

/* About 2,700 years either side of 1970: past any real date, and far from
 * where date and instant arithmetic could overflow. */
#define DATE_LIMIT    1000000
#define INSTANT_LIMIT ((int64_t)DATE_LIMIT * 86400000)

bool mf_snap_date_ok(int64_t d) {
        return d == MF_DATE_NONE || (d > -DATE_LIMIT && d < DATE_LIMIT);
}

bool mf_snap_instant_ok(int64_t t) {
        return t == MF_INSTANT_NONE || (t > -INSTANT_LIMIT && t < INSTANT_LIMIT);
}

/* ---- the frame ---- */

/* Record layouts of this build: a snapshot from a build whose records
 * differ is refused, whatever its version says. */
static uint64_t layout_hash(void) {
        const uint64_t sizes[] = {sizeof(mf_child_t),      sizeof(mf_contact_t),
                                  sizeof(mf_referral_t),   sizeof(mf_assessment_t),
                                  sizeof(mf_s47_t),        sizeof(mf_timer_t),
                                  sizeof(mf_seen_entry_t), sizeof(void *),
                                  MF_SOURCE_MAX,           MF_ITEM__COUNT};
        uint16_t order = 0x0102; /* byte order */
        return XXH3_64bits_withSeed(sizes, sizeof(sizes), order);
}

mf_err_t mf_snapshot_write(const mf_pipeline_t *p, const mf_snapshot_meta_t *meta,
                           mf_buf_t *out) {
        size_t start = out->len;
        mf_snap_writer_t w = {out, MF_OK};
        mf_snap_put(&w, magic, sizeof(magic));
        mf_snap_u32(&w, MF_SNAPSHOT_FORMAT);
        mf_snap_u64(&w, layout_hash());
        mf_snap_str(&w, meta->build);
        mf_snap_str(&w, meta->topic);
        mf_snap_u32(&w, (uint32_t)meta->partition);
        mf_snap_i64(&w, meta->offset);
        size_t len_at = out->len;
        mf_snap_u64(&w, 0);
        size_t payload_at = out->len;
        mf_pipeline_save(p, &w);
        if (w.err != MF_OK)
                return w.err;
        uint64_t payload = out->len - payload_at;
        memcpy(out->data + len_at, &payload, sizeof(payload));
        mf_snap_u64(&w, XXH3_64bits(out->data + start, out->len - start));
        return w.err;
}

static mf_err_t refuse(char *why, size_t whylen, const char *reason) {
        snprintf(why, whylen, "%s", reason);
        return MF_ERR_INVALID;
}

/* Checks the frame; leaves r at the payload, holding exactly its bytes. */
static mf_err_t open_frame(const char *buf, size_t len, mf_snapshot_meta_t *meta,
                           mf_snap_reader_t *r, char *why, size_t whylen) {
        memset(meta, 0, sizeof(*meta));
        if (len < sizeof(magic) + sizeof(uint64_t) || memcmp(buf, magic, sizeof(magic)))
                return refuse(why, whylen, "not a snapshot");
        uint64_t sum;
        memcpy(&sum, buf + len - sizeof(sum), sizeof(sum));
        if (sum != XXH3_64bits(buf, len - sizeof(sum)))
                return refuse(why, whylen, "checksum mismatch (torn or damaged file)");
        *r = (mf_snap_reader_t){buf + sizeof(magic), len - sizeof(magic) - sizeof(sum),
                                NULL};
        if (mf_snap_get_u32(r) != MF_SNAPSHOT_FORMAT)
                return refuse(why, whylen, "another snapshot format");
        if (mf_snap_get_u64(r) != layout_hash())
                return refuse(why, whylen,
                              "written by a build with other record layouts");
        bool null;
        meta->build = mf_snap_get_str(r, &null);
        meta->topic = mf_snap_get_str(r, &null);
        meta->partition = (int32_t)mf_snap_get_u32(r);
        meta->offset = mf_snap_get_i64(r);
        uint64_t payload = mf_snap_get_u64(r);
        if (r->bad || payload != r->left)
                return refuse(why, whylen, r->bad ? r->bad : "payload length mismatch");
        return MF_OK;
}

mf_err_t mf_snapshot_peek(const char *buf, size_t len, mf_snapshot_meta_t *meta,
                          char *why, size_t whylen) {
        mf_snap_reader_t r;
        return open_frame(buf, len, meta, &r, why, whylen);
}

mf_err_t mf_snapshot_load(mf_pipeline_t *p, const char *buf, size_t len,
                          mf_snapshot_meta_t *meta, char *why, size_t whylen) {
        mf_snap_reader_t r;
        MF_TRY(open_frame(buf, len, meta, &r, why, whylen));
        if (!mf_pipeline_load(p, &r))
                return refuse(why, whylen, r.bad ? r.bad : "malformed");
        if (r.left)
                return refuse(why, whylen, "bytes after the state");
        return MF_OK;
}
