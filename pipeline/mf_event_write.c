#include "mf_event_write.h"

#include <msgpack.h>
#include <stdio.h>

#include "mf_time.h"

/* A field list, built once per event and written in either encoding. */
typedef enum { F_STR, F_INT, F_BOOL } ftype_t;

typedef struct {
        const char *key;
        ftype_t type;
        mf_str_t s;
        int64_t i;
} field_t;

typedef struct {
        field_t f[16];
        int n;
        char dates[2][11];
        int ndates;
} fields_t;

static void add_str(fields_t *fs, const char *key, mf_str_t s) {
        if (s.len)
                fs->f[fs->n++] = (field_t){key, F_STR, s, 0};
}

static void add_int(fields_t *fs, const char *key, int64_t v) {
        fs->f[fs->n++] = (field_t){key, F_INT, MF_STR_NULL, v};
}

static void add_bool(fields_t *fs, const char *key, bool v) {
        fs->f[fs->n++] = (field_t){key, F_BOOL, MF_STR_NULL, v};
}

static void add_tri(fields_t *fs, const char *key, mf_tri_t v) {
        if (v != MF_TRI_NONE)
                add_bool(fs, key, v == MF_TRI_TRUE);
}

static void add_date(fields_t *fs, const char *key, mf_date_t d) {
        if (d == MF_DATE_NONE)
                return;
        char *buf = fs->dates[fs->ndates++];
        mf_date_format(d, buf);
        add_str(fs, key, mf_str(buf, 10));
}

static void add_cstr(fields_t *fs, const char *key, const char *s) {
        add_str(fs, key, mf_str(s, strlen(s)));
}

static const char *const item_keys[MF_EV__COUNT] = {
    "contact_id",    "contact_id", "referral_id", "assessment_id",
    "assessment_id", "s47_id",     "s47_id",      "s47_id"};

static void collect(const mf_event_t *ev, fields_t *fs) {
        static const char *const genders[] = {"", "m", "f", "u"};
        memset(fs, 0, sizeof(*fs));
        add_int(fs, "v", ev->v ? ev->v : MF_CONTRACT_VERSION);
        add_cstr(fs, "type", mf_event_type_name(ev->type));
        add_str(fs, "id", ev->id);
        add_str(fs, "la", ev->la);
        add_str(fs, "child", ev->child);
        add_str(fs, item_keys[ev->type], ev->item_id);
        switch (ev->type) {
                case MF_EV_CONTACT:
                        add_int(fs, "received_at", ev->u.contact.received_at);
                        add_str(fs, "source", ev->u.contact.source);
                        if (ev->u.contact.gender != MF_GENDER_NONE)
                                add_cstr(fs, "gender", genders[ev->u.contact.gender]);
                        add_date(fs, "birth_date", ev->u.contact.birth_date);
                        add_str(fs, "ethnicity", ev->u.contact.ethnicity);
                        add_tri(fs, "disability", ev->u.contact.disability);
                        break;
                case MF_EV_CONTACT_DECISION:
                        add_int(fs, "decided_at", ev->u.decision.decided_at);
                        add_cstr(fs, "outcome",
                                 mf_decision_outcome_name(ev->u.decision.outcome));
                        break;
                case MF_EV_REFERRAL:
                        add_date(fs, "referral_date", ev->u.referral.referral_date);
                        add_str(fs, "source", ev->u.referral.source);
                        add_str(fs, "contact_id", ev->u.referral.contact_id);
                        add_bool(fs, "nfa", ev->u.referral.nfa);
                        break;
                case MF_EV_ASSESSMENT_STARTED:
                        add_date(fs, "start_date", ev->u.assessment_started.start_date);
                        add_str(fs, "referral_id", ev->u.assessment_started.referral_id);
                        break;
                case MF_EV_ASSESSMENT_AUTHORISED:
                        add_date(fs, "authorised_date",
                                 ev->u.assessment_authorised.authorised_date);
                        add_tri(fs, "child_seen", ev->u.assessment_authorised.child_seen);
                        if (ev->u.assessment_authorised.outcome != MF_AOUTCOME_NONE)
                                add_cstr(fs, "outcome",
                                         mf_assessment_outcome_name(
                                             ev->u.assessment_authorised.outcome));
                        break;
                case MF_EV_S47_STARTED:
                        add_date(fs, "strategy_date", ev->u.s47_started.strategy_date);
                        add_str(fs, "referral_id", ev->u.s47_started.referral_id);
                        break;
                case MF_EV_S47_OUTCOME:
                        add_date(fs, "completed_date", ev->u.s47_outcome.completed_date);
                        add_bool(fs, "icpc_required", ev->u.s47_outcome.icpc_required);
                        break;
                case MF_EV_ICPC:
                        add_date(fs, "icpc_date", ev->u.icpc.icpc_date);
                        add_bool(fs, "cp_plan", ev->u.icpc.cp_plan);
                        break;
                default:
                        break;
        }
}

mf_err_t mf_event_write_msgpack(mf_buf_t *out, const mf_event_t *ev) {
        fields_t fs;
        collect(ev, &fs);
        msgpack_packer pk;
        msgpack_packer_init(&pk, out, mf_buf_msgpack_write);
        int rc = msgpack_pack_map(&pk, (size_t)fs.n);
        for (int i = 0; i < fs.n && rc == 0; i++) {
                const field_t *f = &fs.f[i];
                rc = msgpack_pack_str_with_body(&pk, f->key, strlen(f->key));
                if (rc)
                        break;
                switch (f->type) {
                        case F_STR:
                                rc = msgpack_pack_str_with_body(&pk, f->s.ptr, f->s.len);
                                break;
                        case F_INT:
                                rc = msgpack_pack_int64(&pk, f->i);
                                break;
                        case F_BOOL:
                                rc = f->i ? msgpack_pack_true(&pk)
                                          : msgpack_pack_false(&pk);
                                break;
                }
        }
        return rc ? MF_ERR_NOMEM : MF_OK;
}

/* Keys are this file's own constants and never need escaping, so each goes
 * out with its quotes, colon and separator in one append: NDJSON output was
 * dominated by byte-at-a-time escaping. */
static mf_err_t json_key(mf_buf_t *out, const char *key, bool first) {
        char tmp[48];
        size_t n = strlen(key), len = 0;
        if (n + 4 > sizeof(tmp))
                return MF_ERR_RANGE;
        if (!first)
                tmp[len++] = ',';
        tmp[len++] = '"';
        memcpy(tmp + len, key, n);
        len += n;
        tmp[len++] = '"';
        tmp[len++] = ':';
        return mf_buf_append(out, tmp, len);
}

static mf_err_t json_int(mf_buf_t *out, int64_t v) {
        char tmp[24];
        size_t len = sizeof(tmp);
        uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
        do {
                tmp[--len] = (char)('0' + u % 10);
                u /= 10;
        } while (u);
        if (v < 0)
                tmp[--len] = '-';
        return mf_buf_append(out, tmp + len, sizeof(tmp) - len);
}

mf_err_t mf_event_write_json(mf_buf_t *out, const mf_event_t *ev) {
        fields_t fs;
        collect(ev, &fs);
        mf_err_t rc = mf_buf_putc(out, '{');
        for (int i = 0; i < fs.n && rc == MF_OK; i++) {
                const field_t *f = &fs.f[i];
                if ((rc = json_key(out, f->key, i == 0)) != MF_OK)
                        break;
                switch (f->type) {
                        case F_STR:
                                rc = mf_buf_json_str(out, f->s.ptr, f->s.len);
                                break;
                        case F_INT:
                                rc = json_int(out, f->i);
                                break;
                        case F_BOOL:
                                rc = mf_buf_append(out, f->i ? "true" : "false",
                                                   f->i ? 4 : 5);
                                break;
                }
        }
        if (rc == MF_OK)
                rc = mf_buf_append(out, "}\n", 2);
        return rc;
}
