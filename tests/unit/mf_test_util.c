#include "mf_test_util.h"

#include <stdio.h>
#include <stdlib.h>

char *mf_test_read_source_file(const char *relpath, size_t *len) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", MF_SOURCE_DIR, relpath);
        FILE *f = fopen(path, "rb");
        assert_non_null(f);
        assert_int_equal(fseek(f, 0, SEEK_END), 0);
        long n = ftell(f);
        assert_true(n >= 0);
        rewind(f);
        char *buf = malloc((size_t)n + 1);
        assert_non_null(buf);
        assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
        buf[n] = '\0';
        fclose(f);
        if (len)
                *len = (size_t)n;
        return buf;
}

mf_calendar_t *mf_test_calendar(void) {
        size_t len;
        char *buf = mf_test_read_source_file("config/calendar-england-wales.txt", &len);
        mf_calendar_t *cal = mf_calendar_new();
        assert_non_null(cal);
        char err[256] = "";
        mf_err_t rc = mf_calendar_load(cal, buf, len, err, sizeof(err));
        if (rc != MF_OK)
                fail_msg("calendar: %s", err);
        free(buf);
        return cal;
}

mf_date_t mf_test_date(const char *s) {
        mf_date_t d;
        if (!mf_date_parse(s, strlen(s), &d))
                fail_msg("bad test date %s", s);
        return d;
}

mf_instant_t mf_test_utc(const char *s) {
        int y, mo, d, h, mi, sec;
        if (sscanf(s, "%d-%d-%dT%d:%d:%d", &y, &mo, &d, &h, &mi, &sec) != 6)
                fail_msg("bad test instant %s", s);
        return (mf_instant_t)mf_date_from_ymd(y, mo, d) * 86400000LL +
               ((int64_t)h * 3600 + mi * 60 + sec) * 1000;
}

static mf_event_t base(mf_event_type_t type, const char *id, const char *child,
                       const char *item) {
        mf_event_t ev;
        memset(&ev, 0, sizeof(ev));
        ev.type = type;
        ev.v = 1;
        ev.id = mf_str(id, strlen(id));
        ev.la = MF_STR_LIT(MF_TEST_LA);
        ev.child = mf_str(child, strlen(child));
        ev.item_id = mf_str(item, strlen(item));
        return ev;
}

mf_event_t mf_test_contact(const char *id, const char *child, const char *contact_id,
                           mf_instant_t received_at) {
        mf_event_t ev = base(MF_EV_CONTACT, id, child, contact_id);
        ev.u.contact.received_at = received_at;
        ev.u.contact.birth_date = MF_DATE_NONE;
        return ev;
}

mf_event_t mf_test_decision(const char *id, const char *child, const char *contact_id,
                            mf_instant_t decided_at, mf_decision_outcome_t outcome) {
        mf_event_t ev = base(MF_EV_CONTACT_DECISION, id, child, contact_id);
        ev.u.decision.decided_at = decided_at;
        ev.u.decision.outcome = outcome;
        return ev;
}

mf_event_t mf_test_referral(const char *id, const char *child, const char *referral_id,
                            const char *date) {
        mf_event_t ev = base(MF_EV_REFERRAL, id, child, referral_id);
        ev.u.referral.referral_date = mf_test_date(date);
        return ev;
}

mf_event_t mf_test_assessment_started(const char *id, const char *child, const char *aid,
                                      const char *date) {
        mf_event_t ev = base(MF_EV_ASSESSMENT_STARTED, id, child, aid);
        ev.u.assessment_started.start_date = mf_test_date(date);
        return ev;
}

mf_event_t mf_test_assessment_authorised(const char *id, const char *child,
                                         const char *aid, const char *date) {
        mf_event_t ev = base(MF_EV_ASSESSMENT_AUTHORISED, id, child, aid);
        ev.u.assessment_authorised.authorised_date = mf_test_date(date);
        return ev;
}

mf_event_t mf_test_s47_started(const char *id, const char *child, const char *sid,
                               const char *date) {
        mf_event_t ev = base(MF_EV_S47_STARTED, id, child, sid);
        ev.u.s47_started.strategy_date = mf_test_date(date);
        return ev;
}

mf_event_t mf_test_s47_outcome(const char *id, const char *child, const char *sid,
                               const char *date, bool icpc_required) {
        mf_event_t ev = base(MF_EV_S47_OUTCOME, id, child, sid);
        ev.u.s47_outcome.completed_date = mf_test_date(date);
        ev.u.s47_outcome.icpc_required = icpc_required;
        return ev;
}

mf_event_t mf_test_icpc(const char *id, const char *child, const char *sid,
                        const char *date) {
        mf_event_t ev = base(MF_EV_ICPC, id, child, sid);
        ev.u.icpc.icpc_date = mf_test_date(date);
        ev.u.icpc.cp_plan = true;
        return ev;
}

static void copy_str(char *dst, size_t cap, mf_str_t s) {
        size_t n = s.len < cap - 1 ? s.len : cap - 1;
        memcpy(dst, s.ptr, n);
        dst[n] = '\0';
}

static void test_sink(void *opaque, const mf_output_t *o) {
        mf_test_pipe_t *t = opaque;
        switch (o->kind) {
                case MF_OUT_REFERRAL: {
                        assert_true(t->nreferrals < MF_ARRAY_LEN(t->referrals));
                        mf_test_referral_out_t *r = &t->referrals[t->nreferrals++];
                        copy_str(r->referral_id, sizeof(r->referral_id),
                                 o->u.referral->referral_id);
                        copy_str(r->child, sizeof(r->child), o->u.referral->child);
                        r->referral_date = o->u.referral->referral_date;
                        r->prev12 = o->u.referral->previous_referrals_12m;
                        r->prev_date = o->u.referral->previous_referral_date;
                        r->revision = o->u.referral->revision;
                        break;
                }
                case MF_OUT_ALERT: {
                        assert_true(t->nalerts < MF_ARRAY_LEN(t->alerts));
                        mf_test_alert_t *a = &t->alerts[t->nalerts++];
                        a->kind = o->u.alert->kind;
                        a->item_kind = o->u.alert->item_kind;
                        copy_str(a->item_id, sizeof(a->item_id), o->u.alert->item_id);
                        a->due_at = o->u.alert->due_at;
                        a->raised_at = o->u.alert->raised_at;
                        a->wd = o->u.alert->working_days_elapsed;
                        break;
                }
                case MF_OUT_DEADLETTER:
                        assert_true(t->ndeadletters < MF_ARRAY_LEN(t->deadletters));
                        t->deadletters[t->ndeadletters++] = o->u.deadletter->reason;
                        break;
                default:
                        t->nindicators++;
                        break;
        }
}

mf_test_pipe_t *mf_test_pipe_new(void) {
        mf_test_pipe_t *t = calloc(1, sizeof(*t));
        assert_non_null(t);
        t->cal = mf_test_calendar();
        mf_pipeline_conf_t conf = {.calendar = t->cal, .sink = test_sink, .opaque = t};
        t->p = mf_pipeline_new(&conf);
        assert_non_null(t->p);
        return t;
}

void mf_test_pipe_free(mf_test_pipe_t *t) {
        mf_pipeline_free(t->p);
        mf_calendar_free(t->cal);
        free(t);
}

void mf_test_push(mf_test_pipe_t *t, const mf_event_t *ev) {
        mf_origin_t o = {MF_STR_LIT("test"), 0, 0};
        assert_int_equal(mf_pipeline_push_event(t->p, ev, MF_STR_LIT("payload"), &o),
                         MF_OK);
}

const mf_test_referral_out_t *mf_test_last_referral(const mf_test_pipe_t *t,
                                                    const char *rid) {
        for (size_t i = t->nreferrals; i-- > 0;)
                if (!strcmp(t->referrals[i].referral_id, rid))
                        return &t->referrals[i];
        fail_msg("no referral_enriched record for %s", rid);
        return NULL;
}

size_t mf_test_referral_count(const mf_test_pipe_t *t, const char *rid) {
        size_t n = 0;
        for (size_t i = 0; i < t->nreferrals; i++)
                n += !strcmp(t->referrals[i].referral_id, rid);
        return n;
}

size_t mf_test_alert_count(const mf_test_pipe_t *t, const char *item_id,
                           mf_alert_kind_t kind) {
        size_t n = 0;
        for (size_t i = 0; i < t->nalerts; i++)
                n += t->alerts[i].kind == kind && !strcmp(t->alerts[i].item_id, item_id);
        return n;
}

const mf_test_alert_t *mf_test_alert(const mf_test_pipe_t *t, const char *item_id,
                                     mf_alert_kind_t kind) {
        assert_int_equal(mf_test_alert_count(t, item_id, kind), 1);
        for (size_t i = 0; i < t->nalerts; i++)
                if (t->alerts[i].kind == kind && !strcmp(t->alerts[i].item_id, item_id))
                        return &t->alerts[i];
        return NULL;
}

void mf_test_figures(mf_test_pipe_t *t, const char *as_of, mf_indicators_t *out) {
        assert_int_equal(mf_pipeline_indicators(t->p, MF_STR_LIT(MF_TEST_LA),
                                                mf_test_date(as_of), out),
                         MF_OK);
}
