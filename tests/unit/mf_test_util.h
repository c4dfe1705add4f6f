/* Helpers shared by the unit tests: fixtures read from the source tree. */
#ifndef MF_TEST_UTIL_H
#define MF_TEST_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "mf_calendar.h"
#include "mf_time.h"

/* Reads a whole file under the source tree (path relative to it). Aborts the
 * test if it cannot. The caller frees the buffer. */
char *mf_test_read_source_file(const char *relpath, size_t *len);
/* The project's England and Wales calendar (config/calendar-england-wales.txt). */
mf_calendar_t *mf_test_calendar(void);
/* "YYYY-MM-DD" to a date; fails the test on a bad string. */
mf_date_t mf_test_date(const char *s);
/* Instant of "YYYY-MM-DDTHH:MM:SS" read as UTC. */
mf_instant_t mf_test_utc(const char *s);

#endif

/* ---- Building events and running a pipeline in tests ---- */
#ifndef MF_TEST_UTIL_PIPELINE
#define MF_TEST_UTIL_PIPELINE
#include "mf_pipeline.h"

#define MF_TEST_LA "302"

/* Events with views into string literals; ids must outlive the event. Each
 * builder takes the event id, the child and the item id. */
mf_event_t mf_test_contact(const char *id, const char *child, const char *contact_id,
                           mf_instant_t received_at);
mf_event_t mf_test_decision(const char *id, const char *child, const char *contact_id,
                            mf_instant_t decided_at, mf_decision_outcome_t outcome);
mf_event_t mf_test_referral(const char *id, const char *child, const char *referral_id,
                            const char *date);
mf_event_t mf_test_assessment_started(const char *id, const char *child, const char *aid,
                                      const char *date);
mf_event_t mf_test_assessment_authorised(const char *id, const char *child,
                                         const char *aid, const char *date);
mf_event_t mf_test_s47_started(const char *id, const char *child, const char *sid,
                               const char *date);
mf_event_t mf_test_s47_outcome(const char *id, const char *child, const char *sid,
                               const char *date, bool icpc_required);
mf_event_t mf_test_icpc(const char *id, const char *child, const char *sid,
                        const char *date);

/* A referral_enriched record as the sink saw it (strings copied). */
typedef struct {
        char referral_id[80];
        char child[80];
        mf_date_t referral_date;
        uint32_t prev12;
        mf_date_t prev_date;
        uint32_t revision;
} mf_test_referral_out_t;

/* An alert as the sink saw it. */
typedef struct {
        mf_alert_kind_t kind;
        int item_kind;
        char item_id[80];
        mf_instant_t due_at;
        mf_instant_t raised_at;
        int32_t wd;
} mf_test_alert_t;

/* A pipeline whose sink records what it emits. */
typedef struct {
        mf_test_alert_t alerts[256];
        size_t nalerts;
        mf_calendar_t *cal;
        mf_pipeline_t *p;
        mf_test_referral_out_t referrals[256];
        size_t nreferrals;
        mf_reason_t deadletters[256];
        size_t ndeadletters;
        size_t nindicators;
} mf_test_pipe_t;

mf_test_pipe_t *mf_test_pipe_new(void);
void mf_test_pipe_free(mf_test_pipe_t *t);
/* Pushes an event; fails the test on an error return. */
void mf_test_push(mf_test_pipe_t *t, const mf_event_t *ev);
/* The last record emitted for a referral id; fails the test if none. */
const mf_test_referral_out_t *mf_test_last_referral(const mf_test_pipe_t *t,
                                                    const char *rid);
/* Number of records emitted for a referral id. */
size_t mf_test_referral_count(const mf_test_pipe_t *t, const char *rid);
/* Alerts of one kind for one item id. */
size_t mf_test_alert_count(const mf_test_pipe_t *t, const char *item_id,
                           mf_alert_kind_t kind);
/* Fails the test unless exactly one such alert exists; returns it. */
const mf_test_alert_t *mf_test_alert(const mf_test_pipe_t *t, const char *item_id,
                                     mf_alert_kind_t kind);

/* The figures of MF_TEST_LA as of a date. */
void mf_test_figures(mf_test_pipe_t *t, const char *as_of, mf_indicators_t *out);
#endif
