/*
 * mf_event.h — input events (EVENTS.md, contract version 1) as typed structs,
 * and the reasons an input record can be rejected.
 *
 * Decoding never allocates: string fields are views into the message buffer
 * (for NDJSON, into the caller's line buffer, where JSON escapes are undone in
 * place). A decoded event is valid only while that buffer is.
 *
 * Validation is the contract's, exactly: the envelope (v, type, id, la, child)
 * and each type's keys; unknown keys are ignored; optional keys may be absent
 * or null. schemas/ states the same rules as JSON Schema documents, and a test
 * checks that both accept exactly the same example records.
 */
#ifndef MF_EVENT_H
#define MF_EVENT_H

#include "mf_common.h"

/* Length limits, in bytes. */
#define MF_ID_MAX           64 /* id, child and every item id */
#define MF_LA_MAX           8
#define MF_CODE_MAX         8 /* source and ethnicity codes */
#define MF_CONTRACT_VERSION 1 /* the contract version this build implements */

typedef enum {
        MF_EV_CONTACT = 0,
        MF_EV_CONTACT_DECISION,
        MF_EV_REFERRAL,
        MF_EV_ASSESSMENT_STARTED,
        MF_EV_ASSESSMENT_AUTHORISED,
        MF_EV_S47_STARTED,
        MF_EV_S47_OUTCOME,
        MF_EV_ICPC,
        MF_EV__COUNT
} mf_event_type_t;

/* The wire name of a type ("contact", "contact_decision", ...). */
const char *mf_event_type_name(mf_event_type_t t);

/* Why a record was rejected. The names are the dead-letter reason codes. */
typedef enum {
        MF_REASON_NONE = 0,
        MF_REASON_BAD_ENCODING, /* not valid MessagePack / JSON, or trailing bytes */
        MF_REASON_NOT_A_MAP,    /* valid, but not a map / object */
        MF_REASON_MISSING_FIELD,
        MF_REASON_WRONG_TYPE,
        MF_REASON_BAD_DATE,
        MF_REASON_BAD_INSTANT,
        MF_REASON_UNKNOWN_TYPE,
        MF_REASON_TOO_LONG,
        MF_REASON_BAD_ENUM,
        MF_REASON_BAD_VERSION,
        MF_REASON_TOO_LATE, /* dated before the 24-month horizon (pipeline) */
        MF_REASON__COUNT
} mf_reason_t;

/* The reason code as written in dead letters ("missing_field", ...). */
const char *mf_reason_name(mf_reason_t r);

/* A rejection: the reason and a short detail that names keys, never values
 * (values may be personal data). */
typedef struct {
        mf_reason_t reason;
        char detail[96];
} mf_reject_t;

typedef enum {
        MF_GENDER_NONE = 0, /* not sent */
        MF_GENDER_M,
        MF_GENDER_F,
        MF_GENDER_U,
} mf_gender_t;

typedef enum {
        MF_OUTCOME_NFA = 0, /* contact decision outcomes */
        MF_OUTCOME_ADVICE,
        MF_OUTCOME_EARLY_HELP,
        MF_OUTCOME_REFERRAL,
        MF_OUTCOME_OPEN_CASE,
        MF_OUTCOME__COUNT
} mf_decision_outcome_t;

const char *mf_decision_outcome_name(mf_decision_outcome_t o);

typedef enum {
        MF_AOUTCOME_NONE = 0, /* assessment outcomes; NONE = not sent */
        MF_AOUTCOME_CIN,
        MF_AOUTCOME_CP,
        MF_AOUTCOME_NFA,
        MF_AOUTCOME_EARLY_HELP,
        MF_AOUTCOME_OTHER,
        MF_AOUTCOME__COUNT
} mf_assessment_outcome_t;

const char *mf_assessment_outcome_name(mf_assessment_outcome_t o);

/* An optional boolean. */
typedef enum { MF_TRI_NONE = 0, MF_TRI_FALSE, MF_TRI_TRUE } mf_tri_t;

typedef struct {
        mf_event_type_t type;
        int64_t v;
        mf_str_t id;
        mf_str_t la;
        mf_str_t child;
        /* The item this event is about: contact_id, referral_id, assessment_id
         * or s47_id, by type. */
        mf_str_t item_id;
        union {
                struct {
                        mf_instant_t received_at;
                        mf_str_t source; /* len 0: not sent */
                        mf_gender_t gender;
                        mf_date_t birth_date; /* MF_DATE_NONE: not sent */
                        mf_str_t ethnicity;   /* len 0: not sent */
                        mf_tri_t disability;
                } contact;
                struct {
                        mf_instant_t decided_at;
                        mf_decision_outcome_t outcome;
                } decision;
                struct {
                        mf_date_t referral_date;
                        mf_str_t source;
                        mf_str_t contact_id;
                        bool nfa;
                } referral;
                struct {
                        mf_date_t start_date;
                        mf_str_t referral_id;
                } assessment_started;
                struct {
                        mf_date_t authorised_date;
                        mf_tri_t child_seen;
                        mf_assessment_outcome_t outcome;
                } assessment_authorised;
                struct {
                        mf_date_t strategy_date;
                        mf_str_t referral_id;
                } s47_started;
                struct {
                        mf_date_t completed_date;
                        bool icpc_required;
                } s47_outcome;
                struct {
                        mf_date_t icpc_date;
                        bool cp_plan;
                } icpc;
        } u;
} mf_event_t;

/* The event's own time: its instant, or the start of its civil date in
 * England for date-only events. Drives the event-time clock. */
mf_instant_t mf_event_time(const mf_event_t *ev);
/* The event's own civil date (checked against the horizon). */
mf_date_t mf_event_date(const mf_event_t *ev);

/*
 * Decoding. A decoder holds the scratch space that MessagePack and JSON
 * parsing need (a msgpack zone, a JSON token array), reused from one record to
 * the next so that steady-state decoding allocates nothing. One decoder per
 * thread; it is not shared.
 */
typedef struct mf_decoder_s mf_decoder_t;

mf_decoder_t *mf_decoder_new(void);
void mf_decoder_free(mf_decoder_t *d);

/* Decodes one MessagePack object from the start of buf[0..len).
 * Returns:
 *   MF_OK          *ev filled; *used = the object's length in bytes.
 *   MF_ERR_INVALID *rej filled; *used = the bytes that make up the rejected
 *                  record (the whole rest of buf when the bytes are not
 *                  MessagePack at all, or nest deeper than msgpack-c's 32
 *                  levels: a stream cannot be resynchronised then).
 *   MF_ERR_RANGE   buf holds only the beginning of an object: read more.
 *   MF_ERR_NOMEM   out of memory.
 * With a Kafka message, buf is one message: anything after the first object
 * makes the record bad_encoding. With a file, call again at buf + *used. */
mf_err_t mf_event_decode_msgpack(mf_decoder_t *d, const char *buf, size_t len,
                                 size_t *used, mf_event_t *ev, mf_reject_t *rej);
/* Decodes one JSON object occupying buf[0..len) (surrounding whitespace
 * allowed). The buffer is modified: string escapes are undone in place. */
mf_err_t mf_event_decode_json(mf_decoder_t *d, char *buf, size_t len, mf_event_t *ev,
                              mf_reject_t *rej);

#endif
