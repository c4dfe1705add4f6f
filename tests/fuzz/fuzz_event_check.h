/*
 * fuzz_event_check.h — what the two event fuzz targets check about a
 * decoder's answer, beyond "no crash": the promises of mf_event.h, and that
 * an accepted event survives a round trip through both encoders
 * (mf_event_write) and both decoders unchanged. Header-only: each target is
 * one translation unit.
 */
#ifndef FUZZ_EVENT_CHECK_H
#define FUZZ_EVENT_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mf_buf.h"
#include "mf_event.h"
#include "mf_event_write.h"
#include "fuzz_check.h"
#include "mf_time.h"

/* A string field: empty (optional and not sent) or a view inside buf, at
 * most max bytes. */
static void fuzz_check_str(mf_str_t s, const char *buf, size_t len, size_t max,
                           bool required) {
        if (s.len == 0) {
                FUZZ_CHECK(!required);
                return;
        }
        FUZZ_CHECK(s.len <= max);
        FUZZ_CHECK(s.ptr >= buf && s.ptr + s.len <= buf + len);
}

static void fuzz_check_date(mf_date_t d, bool required) {
        if (d == MF_DATE_NONE && !required)
                return;
        FUZZ_CHECK(d >= MF_DATE_MIN && d <= MF_DATE_MAX);
}

static void fuzz_check_instant(mf_instant_t i) {
        FUZZ_CHECK(i >= MF_INSTANT_MIN && i <= MF_INSTANT_MAX);
}

/* An accepted event, decoded from buf[0..len). */
static void fuzz_check_event(const mf_event_t *ev, const char *buf, size_t len) {
        FUZZ_CHECK((unsigned)ev->type < MF_EV__COUNT);
        FUZZ_CHECK(ev->v >= MF_CONTRACT_VERSION);
        fuzz_check_str(ev->id, buf, len, MF_ID_MAX, true);
        fuzz_check_str(ev->la, buf, len, MF_LA_MAX, true);
        fuzz_check_str(ev->child, buf, len, MF_ID_MAX, true);
        fuzz_check_str(ev->item_id, buf, len, MF_ID_MAX, true);
        switch (ev->type) {
                case MF_EV_CONTACT:
                        fuzz_check_instant(ev->u.contact.received_at);
                        fuzz_check_str(ev->u.contact.source, buf, len, MF_CODE_MAX,
                                       false);
                        fuzz_check_str(ev->u.contact.ethnicity, buf, len, MF_CODE_MAX,
                                       false);
                        fuzz_check_date(ev->u.contact.birth_date, false);
                        FUZZ_CHECK(ev->u.contact.gender <= MF_GENDER_U);
                        break;
                case MF_EV_CONTACT_DECISION:
                        fuzz_check_instant(ev->u.decision.decided_at);
                        FUZZ_CHECK((unsigned)ev->u.decision.outcome < MF_OUTCOME__COUNT);
                        break;
                case MF_EV_REFERRAL:
                        fuzz_check_date(ev->u.referral.referral_date, true);
                        fuzz_check_str(ev->u.referral.source, buf, len, MF_CODE_MAX,
                                       false);
                        fuzz_check_str(ev->u.referral.contact_id, buf, len, MF_ID_MAX,
                                       false);
                        break;
                case MF_EV_ASSESSMENT_STARTED:
                        fuzz_check_date(ev->u.assessment_started.start_date, true);
                        fuzz_check_str(ev->u.assessment_started.referral_id, buf, len,
                                       MF_ID_MAX, false);
                        break;
                case MF_EV_ASSESSMENT_AUTHORISED:
                        fuzz_check_date(ev->u.assessment_authorised.authorised_date,
                                        true);
                        FUZZ_CHECK((unsigned)ev->u.assessment_authorised.outcome <
                                   MF_AOUTCOME__COUNT);
                        break;
                case MF_EV_S47_STARTED:
                        fuzz_check_date(ev->u.s47_started.strategy_date, true);
                        fuzz_check_str(ev->u.s47_started.referral_id, buf, len, MF_ID_MAX,
                                       false);
                        break;
                case MF_EV_S47_OUTCOME:
                        fuzz_check_date(ev->u.s47_outcome.completed_date, true);
                        break;
                case MF_EV_ICPC:
                        fuzz_check_date(ev->u.icpc.icpc_date, true);
                        break;
                default:
                        break;
        }
        /* Both must answer for every accepted event. */
        mf_date_t d = mf_event_date(ev);
        FUZZ_CHECK(d >= MF_DATE_MIN && d <= MF_DATE_MAX);
        (void)mf_event_time(ev);
}

/* A rejection: a reason code with a name, and a NUL-terminated detail. */
static void fuzz_check_reject(const mf_reject_t *rej) {
        FUZZ_CHECK(rej->reason > MF_REASON_NONE && rej->reason < MF_REASON__COUNT);
        FUZZ_CHECK(rej->reason != MF_REASON_TOO_LATE); /* the pipeline's, not ours */
        FUZZ_CHECK(memchr(rej->detail, '\0', sizeof(rej->detail)) != NULL);
}

static bool fuzz_str_same(mf_str_t a, mf_str_t b) {
        return mf_str_eq(a, b);
}

/* The same event, field by field (strings by content). */
static bool fuzz_event_same(const mf_event_t *a, const mf_event_t *b) {
        if (a->type != b->type || a->v != b->v || !fuzz_str_same(a->id, b->id) ||
            !fuzz_str_same(a->la, b->la) || !fuzz_str_same(a->child, b->child) ||
            !fuzz_str_same(a->item_id, b->item_id))
                return false;
        switch (a->type) {
                case MF_EV_CONTACT:
                        return a->u.contact.received_at == b->u.contact.received_at &&
                               fuzz_str_same(a->u.contact.source, b->u.contact.source) &&
                               a->u.contact.gender == b->u.contact.gender &&
                               a->u.contact.birth_date == b->u.contact.birth_date &&
                               fuzz_str_same(a->u.contact.ethnicity,
                                             b->u.contact.ethnicity) &&
                               a->u.contact.disability == b->u.contact.disability;
                case MF_EV_CONTACT_DECISION:
                        return a->u.decision.decided_at == b->u.decision.decided_at &&
                               a->u.decision.outcome == b->u.decision.outcome;
                case MF_EV_REFERRAL:
                        return a->u.referral.referral_date ==
                                   b->u.referral.referral_date &&
                               fuzz_str_same(a->u.referral.source,
                                             b->u.referral.source) &&
                               fuzz_str_same(a->u.referral.contact_id,
                                             b->u.referral.contact_id) &&
                               a->u.referral.nfa == b->u.referral.nfa;
                case MF_EV_ASSESSMENT_STARTED:
                        return a->u.assessment_started.start_date ==
                                   b->u.assessment_started.start_date &&
                               fuzz_str_same(a->u.assessment_started.referral_id,
                                             b->u.assessment_started.referral_id);
                case MF_EV_ASSESSMENT_AUTHORISED:
                        return a->u.assessment_authorised.authorised_date ==
                                   b->u.assessment_authorised.authorised_date &&
                               a->u.assessment_authorised.child_seen ==
                                   b->u.assessment_authorised.child_seen &&
                               a->u.assessment_authorised.outcome ==
                                   b->u.assessment_authorised.outcome;
                case MF_EV_S47_STARTED:
                        return a->u.s47_started.strategy_date ==
                                   b->u.s47_started.strategy_date &&
                               fuzz_str_same(a->u.s47_started.referral_id,
                                             b->u.s47_started.referral_id);
                case MF_EV_S47_OUTCOME:
                        return a->u.s47_outcome.completed_date ==
                                   b->u.s47_outcome.completed_date &&
                               a->u.s47_outcome.icpc_required ==
                                   b->u.s47_outcome.icpc_required;
                case MF_EV_ICPC:
                        return a->u.icpc.icpc_date == b->u.icpc.icpc_date &&
                               a->u.icpc.cp_plan == b->u.icpc.cp_plan;
                default:
                        return false;
        }
}

/* An accepted event, written in both encodings by mf_event_write, must
 * decode again to the same event. */
static void fuzz_check_round_trip(mf_decoder_t *d, const mf_event_t *ev) {
        mf_buf_t mp, js;
        mf_buf_init(&mp);
        mf_buf_init(&js);
        mf_event_t back;
        mf_reject_t rej;
        size_t used = 0;

        FUZZ_CHECK(mf_event_write_msgpack(&mp, ev) == MF_OK);
        FUZZ_CHECK(mf_event_decode_msgpack(d, mp.data, mp.len, &used, &back, &rej) ==
                   MF_OK);
        FUZZ_CHECK(used == mp.len);
        FUZZ_CHECK(fuzz_event_same(ev, &back));

        FUZZ_CHECK(mf_event_write_json(&js, ev) == MF_OK);
        FUZZ_CHECK(js.len > 0 && js.data[js.len - 1] == '\n');
        /* Decoded in a copy of its own size, so that ASan sees any overread. */
        char *copy = malloc(js.len);
        FUZZ_CHECK(copy != NULL);
        memcpy(copy, js.data, js.len);
        FUZZ_CHECK(mf_event_decode_json(d, copy, js.len, &back, &rej) == MF_OK);
        FUZZ_CHECK(fuzz_event_same(ev, &back));
        free(copy);

        mf_buf_destroy(&mp);
        mf_buf_destroy(&js);
}

#endif
