/*
 * mf_output.c — encoding output records.
 *
 * Each record is written once, through a small writer that emits either JSON
 * or MessagePack, so the two encodings cannot drift apart. MessagePack maps
 * need their size up front; every map here has a fixed number of keys, given
 * to w_map() and checked in debug builds by w_end().
 */
#include "mf_output.h"

#include <math.h>
#include <stdio.h>

#include <msgpack.h>
#include <openssl/evp.h>

#include "mf_time.h"

static const char *const output_names[MF_OUT__COUNT] = {"referral_enriched", "indicators",
                                                        "deadletter", "alert"};
static const char *const alert_names[MF_ALERT__COUNT] = {"due_soon", "overdue",
                                                         "completed_late"};
/* By mf_item_kind_t: contact, referral (never alerted), assessment, s47. */
static const char *const item_types[] = {"contact", "referral", "assessment", "s47"};

const char *mf_alert_kind_name(mf_alert_kind_t k) {
        return (unsigned)k < MF_ALERT__COUNT ? alert_names[k] : "unknown";
}

const char *mf_alert_item_type(int item_kind) {
        return item_kind >= 0 && item_kind < 4 ? item_types[item_kind] : "unknown";
}

const char *mf_output_type_name(mf_output_kind_t k) {
        return (unsigned)k < MF_OUT__COUNT ? output_names[k] : "unknown";
}

#define MAX_DEPTH 8

typedef struct {
        bool json;
        mf_buf_t *out;
        msgpack_packer pk;
        int depth;
        bool first[MAX_DEPTH];    /* JSON: no comma before the next key yet */
        uint32_t left[MAX_DEPTH]; /* keys still to come, for the size check */
        uint32_t suppress_below;  /* indicators: counts 1..this-1 are withheld */
        mf_err_t err;
} writer_t;

static void w_init(writer_t *w, mf_buf_t *out, bool json) {
        memset(w, 0, sizeof(*w));
        w->json = json;
        w->out = out;
        msgpack_packer_init(&w->pk, out, mf_buf_msgpack_write);
}

static void w_raw(writer_t *w, const char *s, size_t n) {
        if (w->err == MF_OK)
                w->err = mf_buf_append(w->out, s, n);
}

static void w_map(writer_t *w, uint32_t n) {
        if (w->depth + 1 >= MAX_DEPTH) {
                w->err = MF_ERR_RANGE;
                return;
        }
        w->depth++;
        w->first[w->depth] = true;
        w->left[w->depth] = n;
        if (w->json)
                w_raw(w, "{", 1);
        else if (msgpack_pack_map(&w->pk, n) != 0)
                w->err = MF_ERR_NOMEM;
}

static void w_end(writer_t *w) {
        /* A miscounted map would corrupt MessagePack silently: refuse it. */
        if (w->left[w->depth] != 0 && w->err == MF_OK)
                w->err = MF_ERR_INVALID;
        w->depth--;
        if (w->json)
                w_raw(w, "}", 1);
}

static void w_strv(writer_t *w, mf_str_t s) {
        if (w->json) {
                if (w->err == MF_OK)
                        w->err = mf_buf_json_str(w->out, s.ptr, s.len);
        } else if (msgpack_pack_str_with_body(&w->pk, s.ptr, s.len) != 0) {
                w->err = MF_ERR_NOMEM;
        }
}

static void w_keyv(writer_t *w, mf_str_t k) {
        w->left[w->depth]--;
        if (w->json && !w->first[w->depth])
                w_raw(w, ",", 1);
        w->first[w->depth] = false;
        w_strv(w, k);
        if (w->json)
                w_raw(w, ":", 1);
}

static void w_key(writer_t *w, const char *k) {
        w_keyv(w, mf_str(k, strlen(k)));
}

static void w_int(writer_t *w, int64_t v) {
        if (w->json) {
                /* Digits from the right; the magnitude as unsigned, so that
                 * INT64_MIN has one. */
                char tmp[24], *p = tmp + sizeof(tmp);
                uint64_t m = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
                do
                        *--p = (char)('0' + m % 10);
                while (m /= 10);
                if (v < 0)
                        *--p = '-';
                w_raw(w, p, (size_t)(tmp + sizeof(tmp) - p));
        } else if (msgpack_pack_int64(&w->pk, v) != 0) {
                w->err = MF_ERR_NOMEM;
        }
}

static void w_null(writer_t *w) {
        if (w->json)
                w_raw(w, "null", 4);
        else if (msgpack_pack_nil(&w->pk) != 0)
                w->err = MF_ERR_NOMEM;
}

static void w_bool(writer_t *w, bool b) {
        if (w->json)
                w_raw(w, b ? "true" : "false", b ? 4 : 5);
        else if ((b ? msgpack_pack_true(&w->pk) : msgpack_pack_false(&w->pk)) != 0)
                w->err = MF_ERR_NOMEM;
}

/* Figures are rounded to 6 decimal places in both encodings, so JSON and
 * MessagePack readers see the same number. */
static void w_num(writer_t *w, double v) {
        double r = round(v * 1e6) / 1e6;
        if (w->json) {
                char tmp[48];
                int n = snprintf(tmp, sizeof(tmp), "%.6f", r);
                while (n > 1 && tmp[n - 1] == '0')
                        n--;
                if (tmp[n - 1] == '.')
                        n--;
                w_raw(w, tmp, (size_t)n);
        } else if (msgpack_pack_double(&w->pk, r) != 0) {
                w->err = MF_ERR_NOMEM;
        }
}

static void w_str(writer_t *w, const char *s) {
        w_strv(w, mf_str(s, strlen(s)));
}

static void w_date(writer_t *w, mf_date_t d) {
        if (d == MF_DATE_NONE) {
                w_null(w);
                return;
        }
        char tmp[16];
        mf_date_format(d, tmp);
        w_str(w, tmp);
}

static void w_opt_str(writer_t *w, mf_str_t s) {
        if (s.len)
                w_strv(w, s);
        else
                w_null(w);
}

static void w_bin(writer_t *w, mf_str_t b) {
        if (!w->json) {
                if (msgpack_pack_bin_with_body(&w->pk, b.ptr, b.len) != 0)
                        w->err = MF_ERR_NOMEM;
                return;
        }
        /* JSON has no bytes: base64, as the dead-letter schema says. */
        size_t enc = 4 * ((b.len + 2) / 3);
        if (w->err == MF_OK)
                w->err = mf_buf_reserve(w->out, enc + 3);
        if (w->err != MF_OK)
                return;
        char *dst = w->out->data + w->out->len;
        dst[0] = '"';
        int n = EVP_EncodeBlock((unsigned char *)dst + 1, (const unsigned char *)b.ptr,
                                (int)b.len);
        dst[1 + n] = '"';
        w->out->len += (size_t)n + 2;
}

static void w_envelope(writer_t *w, mf_output_kind_t k, mf_str_t la) {
        w_key(w, "v");
        w_int(w, 1);
        w_key(w, "type");
        w_str(w, mf_output_type_name(k));
        w_key(w, "la");
        w_opt_str(w, la);
}

static void write_referral(writer_t *w, const mf_referral_out_t *r) {
        w_map(w, 13);
        w_envelope(w, MF_OUT_REFERRAL, r->la);
        w_key(w, "referral_id");
        w_strv(w, r->referral_id);
        w_key(w, "child");
        w_strv(w, r->child);
        w_key(w, "referral_date");
        w_date(w, r->referral_date);
        w_key(w, "source");
        w_opt_str(w, r->source);
        w_key(w, "contact_id");
        w_opt_str(w, r->contact_id);
        w_key(w, "nfa");
        w_bool(w, r->nfa);
        w_key(w, "previous_referrals_12m");
        w_int(w, r->previous_referrals_12m);
        w_key(w, "rereferral");
        w_bool(w, r->previous_referrals_12m > 0);
        w_key(w, "previous_referral_date");
        w_date(w, r->previous_referral_date);
        w_key(w, "revision");
        w_int(w, r->revision);
        w_end(w);
}

static void write_deadletter(writer_t *w, const mf_deadletter_out_t *d) {
        w_map(w, 9);
        w_envelope(w, MF_OUT_DEADLETTER, d->la);
        w_key(w, "reason");
        w_str(w, mf_reason_name(d->reason));
        w_key(w, "detail");
        w_str(w, d->detail ? d->detail : "");
        w_key(w, "topic");
        w_strv(w, d->topic);
        w_key(w, "partition");
        w_int(w, d->partition);
        w_key(w, "offset");
        w_int(w, d->offset);
        w_key(w, "payload");
        w_bin(w, d->payload);
        w_end(w);
}

static void write_alert(writer_t *w, const mf_alert_out_t *a) {
        w_map(w, 11);
        w_envelope(w, MF_OUT_ALERT, a->la);
        w_key(w, "kind");
        w_str(w, mf_alert_kind_name(a->kind));
        w_key(w, "item_type");
        w_str(w, mf_alert_item_type(a->item_kind));
        w_key(w, "item_id");
        w_strv(w, a->item_id);
        w_key(w, "child");
        w_strv(w, a->child);
        if (a->started_at != MF_INSTANT_NONE) {
                w_key(w, "started_at");
                w_int(w, a->started_at);
        } else {
                w_key(w, "start_date");
                w_date(w, a->start_date);
        }
        w_key(w, "due_at");
        w_int(w, a->due_at);
        w_key(w, "working_days_elapsed");
        w_int(w, a->working_days_elapsed);
        w_key(w, "raised_at");
        w_int(w, a->raised_at);
        w_end(w);
}

/* Small-number suppression (indicators only): a count from 1 to
 * suppress_below - 1 is withheld, and so is every figure computed from one. */
static bool withheld(const writer_t *w, uint64_t v) {
        return v > 0 && v < w->suppress_below;
}

static void w_count(writer_t *w, uint64_t v) {
        if (withheld(w, v))
                w_str(w, MF_OUTPUT_SUPPRESSED);
        else
                w_int(w, (int64_t)v);
}

static void w_pct(writer_t *w, const char *key, mf_ratio_t r) {
        double pct;
        w_key(w, key);
        if (withheld(w, r.num) || withheld(w, r.den))
                w_str(w, MF_OUTPUT_SUPPRESSED);
        else if (mf_ratio_pct(r, &pct))
                w_num(w, pct);
        else
                w_null(w);
}

static void w_counts(writer_t *w, const char *key, const uint32_t *v,
                     const char *const *names, unsigned n) {
        w_key(w, key);
        w_map(w, n);
        for (unsigned i = 0; i < n; i++) {
                w_key(w, names[i]);
                w_count(w, v[i]);
        }
        w_end(w);
}

static void write_breakdown(writer_t *w, const mf_breakdown_t *b, const mf_store_t *st) {
        unsigned nsrc = 0;
        for (unsigned i = 0; i <= MF_SOURCE_MAX; i++)
                nsrc += b->source[i] > 0;
        w_map(w, 5);
        w_key(w, "source");
        w_map(w, nsrc);
        /* Codes in the order first seen: stable for a given input. */
        for (unsigned i = 0; i <= MF_SOURCE_MAX; i++) {
                if (!b->source[i])
                        continue;
                w_keyv(w, mf_store_source_name(st, (uint8_t)i));
                w_count(w, b->source[i]);
        }
        w_end(w);
        /* Ethnicity groups are written in ChAT's order, not enum order. */
        static const int eth_order[] = {
            MF_ETH_WHITE, MF_ETH_MIXED,      MF_ETH_ASIAN,       MF_ETH_BLACK,
            MF_ETH_OTHER, MF_ETH_NOT_STATED, MF_ETH_NOT_RECORDED};
        uint32_t eth[MF_ETH__COUNT];
        const char *eth_names[MF_ETH__COUNT];
        for (int i = 0; i < MF_ETH__COUNT; i++) {
                eth[i] = b->ethnicity[eth_order[i]];
                eth_names[i] = mf_ethnicity_names[eth_order[i]];
        }
        w_counts(w, "gender", b->gender, mf_gender_names, MF_GENDER__N);
        w_counts(w, "age", b->age, mf_age_names, MF_AGE__N);
        w_counts(w, "ethnicity", eth, eth_names, MF_ETH__COUNT);
        w_counts(w, "disability", b->disability, mf_disability_names, MF_DIS__N);
        w_end(w);
}

static void w_ratio(writer_t *w, const char *key, mf_ratio_t r) {
        w_key(w, key);
        w_map(w, 2);
        w_key(w, "num");
        w_count(w, r.num);
        w_key(w, "den");
        w_count(w, r.den);
        w_end(w);
}

static void write_indicators(writer_t *w, const mf_indicators_out_t *io) {
        const mf_indicators_t *d = io->ind;
        static const char *const prev_names[] = {"0", "1", "2", "3", "4+"};
        char as_of[16], la_buf[MF_LA_MAX + 1];
        mf_date_format(d->as_of, as_of);
        memcpy(la_buf, d->la, sizeof(la_buf));
        double mean;

        w_map(w, 31);
        w_envelope(w, MF_OUT_INDICATORS, mf_str(la_buf, strlen(la_buf)));
        w_key(w, "as_of");
        w_str(w, as_of);
        w_key(w, "computed_at");
        w_int(w, io->computed_at);
        w_key(w, "contacts_6m");
        w_count(w, d->contacts_6m);
        w_key(w, "children_multiple_contacts_6m");
        w_count(w, d->children_multiple_contacts_6m);
        w_key(w, "contact_decisions_overdue");
        w_count(w, d->contact_decisions_overdue);
        w_pct(w, "contact_decisions_in_time_pct_6m", d->contact_decisions_in_time_6m);
        w_pct(w, "contact_to_referral_pct_6m", d->contact_to_referral_6m);
        w_key(w, "referrals_6m");
        w_count(w, d->referrals_6m);
        w_key(w, "referrals_nfa_6m");
        w_count(w, d->referrals_nfa_6m);
        w_pct(w, "rereferral_pct_6m", d->rereferral_6m);
        w_pct(w, "rereferral_children_pct_6m", d->rereferral_children_6m);
        w_counts(w, "children_by_previous_referrals_6m",
                 d->children_by_previous_referrals_6m, prev_names, 5);
        w_key(w, "assessments_6m");
        w_count(w, d->assessments_6m);
        w_key(w, "assessments_completed_6m");
        w_count(w, d->assessments_completed_6m);
        w_key(w, "assessments_open");
        w_count(w, d->assessments_open);
        w_pct(w, "assessments_in_time_pct_6m", d->assessments_in_time_6m);
        w_key(w, "assessment_mean_wd_6m");
        if (withheld(w, d->assessments_in_time_6m.den)) /* the mean's count */
                w_str(w, MF_OUTPUT_SUPPRESSED);
        else if (mf_indicators_mean_wd(d, &mean))
                w_num(w, mean);
        else
                w_null(w);
        w_key(w, "assessments_overdue");
        w_count(w, d->assessments_overdue);
        w_key(w, "s47_6m");
        w_count(w, d->s47_6m);
        w_key(w, "icpc_6m");
        w_count(w, d->icpc_6m);
        w_pct(w, "icpc_in_time_pct_6m", d->icpc_in_time_6m);
        w_key(w, "icpc_overdue");
        w_count(w, d->icpc_overdue);
        w_key(w, "assessment_date_errors_6m");
        w_count(w, d->assessment_date_errors_6m);
        w_key(w, "icpc_date_errors_6m");
        w_count(w, d->icpc_date_errors_6m);
        w_counts(w, "assessment_duration_bands_6m", d->assessment_duration_bands_6m,
                 mf_band_names, MF_BAND__N);

        w_key(w, "ratios");
        w_map(w, 6);
        w_ratio(w, "contact_decisions_in_time_pct_6m", d->contact_decisions_in_time_6m);
        w_ratio(w, "contact_to_referral_pct_6m", d->contact_to_referral_6m);
        w_ratio(w, "rereferral_pct_6m", d->rereferral_6m);
        w_ratio(w, "rereferral_children_pct_6m", d->rereferral_children_6m);
        w_ratio(w, "assessments_in_time_pct_6m", d->assessments_in_time_6m);
        w_ratio(w, "icpc_in_time_pct_6m", d->icpc_in_time_6m);
        w_end(w);

        w_key(w, "per_10k");
        if (d->population > 0) {
                /* 6-month counts annualised (x 2), as ChAT does. */
                const struct {
                        const char *name;
                        uint32_t v;
                } rates[] = {
                    {"contacts_6m", d->contacts_6m},
                    {"referrals_6m", d->referrals_6m},
                    {"assessments_6m", d->assessments_6m},
                    {"assessments_completed_6m", d->assessments_completed_6m},
                    {"s47_6m", d->s47_6m},
                    {"icpc_6m", d->icpc_6m},
                };
                w_map(w, MF_ARRAY_LEN(rates));
                for (size_t i = 0; i < MF_ARRAY_LEN(rates); i++) {
                        w_key(w, rates[i].name);
                        if (withheld(w, rates[i].v))
                                w_str(w, MF_OUTPUT_SUPPRESSED);
                        else
                                w_num(w,
                                      2.0 * rates[i].v * 10000.0 / (double)d->population);
                }
                w_end(w);
        } else {
                w_null(w);
        }

        w_key(w, "breakdowns");
        w_map(w, MF_BD__N);
        for (int i = 0; i < MF_BD__N; i++) {
                w_key(w, mf_breakdown_names[i]);
                write_breakdown(w, &d->breakdown[i], io->store);
        }
        w_end(w);
        w_end(w);
}

static mf_err_t encode(mf_buf_t *out, const mf_output_t *o, bool json,
                       uint32_t suppress_below) {
        writer_t w;
        w_init(&w, out, json);
        if (o->kind == MF_OUT_INDICATORS)
                w.suppress_below = suppress_below;
        switch (o->kind) {
                case MF_OUT_REFERRAL:
                        write_referral(&w, o->u.referral);
                        break;
                case MF_OUT_INDICATORS:
                        write_indicators(&w, o->u.indicators);
                        break;
                case MF_OUT_DEADLETTER:
                        write_deadletter(&w, o->u.deadletter);
                        break;
                case MF_OUT_ALERT:
                        write_alert(&w, o->u.alert);
                        break;
                default:
                        return MF_ERR_INVALID;
        }
        if (json)
                w_raw(&w, "\n", 1);
        return w.err;
}

mf_err_t mf_output_json(mf_buf_t *out, const mf_output_t *o) {
        return encode(out, o, true, 0);
}

mf_err_t mf_output_msgpack(mf_buf_t *out, const mf_output_t *o) {
        return encode(out, o, false, 0);
}

mf_err_t mf_output_encode(mf_buf_t *out, const mf_output_t *o,
                          const mf_output_opts_t *opts) {
        return encode(out, o, opts->json, opts->suppress_below);
}

mf_err_t mf_output_key(mf_buf_t *out, const mf_output_t *o) {
        switch (o->kind) {
                case MF_OUT_REFERRAL: {
                        const mf_referral_out_t *r = o->u.referral;
                        mf_err_t rc = mf_buf_append(out, r->la.ptr, r->la.len);
                        if (rc == MF_OK)
                                rc = mf_buf_putc(out, ':');
                        return rc == MF_OK ? mf_buf_append(out, r->referral_id.ptr,
                                                           r->referral_id.len)
                                           : rc;
                }
                case MF_OUT_INDICATORS: {
                        const char *la = o->u.indicators->ind->la;
                        return mf_buf_append(out, la, strlen(la));
                }
                case MF_OUT_DEADLETTER: {
                        const mf_deadletter_out_t *d = o->u.deadletter;
                        mf_err_t rc = mf_buf_append(out, d->topic.ptr, d->topic.len);
                        return rc == MF_OK
                                   ? mf_buf_printf(out, ":%d:%lld", (int)d->partition,
                                                   (long long)d->offset)
                                   : rc;
                }
                case MF_OUT_ALERT: {
                        /* la:item_type:item_id:alert, appended piece by
                         * piece: a busy stream raises an alert for every
                         * few events. */
                        const mf_alert_out_t *a = o->u.alert;
                        const char *type = mf_alert_item_type(a->item_kind);
                        const char *kind = mf_alert_kind_name(a->kind);
                        mf_err_t rc = mf_buf_append(out, a->la.ptr, a->la.len);
                        if (rc == MF_OK)
                                rc = mf_buf_putc(out, ':');
                        if (rc == MF_OK)
                                rc = mf_buf_append(out, type, strlen(type));
                        if (rc == MF_OK)
                                rc = mf_buf_putc(out, ':');
                        if (rc == MF_OK)
                                rc = mf_buf_append(out, a->item_id.ptr, a->item_id.len);
                        if (rc == MF_OK)
                                rc = mf_buf_putc(out, ':');
                        return rc == MF_OK ? mf_buf_append(out, kind, strlen(kind)) : rc;
                }
                default:
                        return MF_ERR_INVALID;
        }
}
