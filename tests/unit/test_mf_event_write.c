/* Encoding input events: what the writer emits, the decoder reads back as
 * the same event, in both encodings, for every type. */
#include "mf_test_util.h"

#include <stdlib.h>

#include "mf_event_write.h"

static mf_event_t full_event(mf_event_type_t type) {
        mf_event_t ev;
        switch (type) {
                case MF_EV_CONTACT:
                        ev = mf_test_contact("e1", "c1", "k1", 1700000000123LL);
                        ev.u.contact.source = MF_STR_LIT("2A");
                        ev.u.contact.gender = MF_GENDER_F;
                        ev.u.contact.birth_date = mf_test_date("2015-02-28");
                        ev.u.contact.ethnicity = MF_STR_LIT("WBRI");
                        ev.u.contact.disability = MF_TRI_TRUE;
                        break;
                case MF_EV_CONTACT_DECISION:
                        ev = mf_test_decision("e2", "c1", "k1", 1700000100000LL,
                                              MF_OUTCOME_EARLY_HELP);
                        break;
                case MF_EV_REFERRAL:
                        ev = mf_test_referral("e3", "c1", "r1", "2024-02-29");
                        ev.u.referral.source = MF_STR_LIT("6");
                        ev.u.referral.contact_id = MF_STR_LIT("k1");
                        ev.u.referral.nfa = true;
                        break;
                case MF_EV_ASSESSMENT_STARTED:
                        ev = mf_test_assessment_started("e4", "c1", "a1", "2024-03-01");
                        ev.u.assessment_started.referral_id = MF_STR_LIT("r1");
                        break;
                case MF_EV_ASSESSMENT_AUTHORISED:
                        ev =
                            mf_test_assessment_authorised("e5", "c1", "a1", "2024-04-02");
                        ev.u.assessment_authorised.child_seen = MF_TRI_FALSE;
                        ev.u.assessment_authorised.outcome = MF_AOUTCOME_CP;
                        break;
                case MF_EV_S47_STARTED:
                        ev = mf_test_s47_started("e6", "c1", "s1", "2024-03-04");
                        ev.u.s47_started.referral_id = MF_STR_LIT("r1");
                        break;
                case MF_EV_S47_OUTCOME:
                        ev = mf_test_s47_outcome("e7", "c1", "s1", "2024-03-20", true);
                        break;
                default:
                        ev = mf_test_icpc("e8", "c1", "s1", "2024-03-22");
                        break;
        }
        return ev;
}

/* Field-by-field equality of two events (views compared by content). */
static void assert_same(const mf_event_t *a, const mf_event_t *b) {
        assert_int_equal(a->type, b->type);
        assert_true(mf_str_eq(a->id, b->id));
        assert_true(mf_str_eq(a->la, b->la));
        assert_true(mf_str_eq(a->child, b->child));
        assert_true(mf_str_eq(a->item_id, b->item_id));
        switch (a->type) {
                case MF_EV_CONTACT:
                        assert_int_equal(a->u.contact.received_at,
                                         b->u.contact.received_at);
                        assert_true(mf_str_eq(a->u.contact.source, b->u.contact.source));
                        assert_int_equal(a->u.contact.gender, b->u.contact.gender);
                        assert_int_equal(a->u.contact.birth_date,
                                         b->u.contact.birth_date);
                        assert_true(
                            mf_str_eq(a->u.contact.ethnicity, b->u.contact.ethnicity));
                        assert_int_equal(a->u.contact.disability,
                                         b->u.contact.disability);
                        break;
                case MF_EV_CONTACT_DECISION:
                        assert_int_equal(a->u.decision.decided_at,
                                         b->u.decision.decided_at);
                        assert_int_equal(a->u.decision.outcome, b->u.decision.outcome);
                        break;
                case MF_EV_REFERRAL:
                        assert_int_equal(a->u.referral.referral_date,
                                         b->u.referral.referral_date);
                        assert_true(
                            mf_str_eq(a->u.referral.source, b->u.referral.source));
                        assert_true(mf_str_eq(a->u.referral.contact_id,
                                              b->u.referral.contact_id));
                        assert_int_equal(a->u.referral.nfa, b->u.referral.nfa);
                        break;
                case MF_EV_ASSESSMENT_STARTED:
                        assert_int_equal(a->u.assessment_started.start_date,
                                         b->u.assessment_started.start_date);
                        assert_true(mf_str_eq(a->u.assessment_started.referral_id,
                                              b->u.assessment_started.referral_id));
                        break;
                case MF_EV_ASSESSMENT_AUTHORISED:
                        assert_int_equal(a->u.assessment_authorised.authorised_date,
                                         b->u.assessment_authorised.authorised_date);
                        assert_int_equal(a->u.assessment_authorised.child_seen,
                                         b->u.assessment_authorised.child_seen);
                        assert_int_equal(a->u.assessment_authorised.outcome,
                                         b->u.assessment_authorised.outcome);
                        break;
                case MF_EV_S47_STARTED:
                        assert_int_equal(a->u.s47_started.strategy_date,
                                         b->u.s47_started.strategy_date);
                        assert_true(mf_str_eq(a->u.s47_started.referral_id,
                                              b->u.s47_started.referral_id));
                        break;
                case MF_EV_S47_OUTCOME:
                        assert_int_equal(a->u.s47_outcome.completed_date,
                                         b->u.s47_outcome.completed_date);
                        assert_int_equal(a->u.s47_outcome.icpc_required,
                                         b->u.s47_outcome.icpc_required);
                        break;
                default:
                        assert_int_equal(a->u.icpc.icpc_date, b->u.icpc.icpc_date);
                        assert_int_equal(a->u.icpc.cp_plan, b->u.icpc.cp_plan);
                        break;
        }
}

static void test_every_type_round_trips_through_msgpack(void **state) {
        MF_UNUSED(state);
        mf_decoder_t *d = mf_decoder_new();
        mf_buf_t b;
        mf_buf_init(&b);
        for (int t = 0; t < MF_EV__COUNT; t++) {
                mf_event_t ev = full_event((mf_event_type_t)t), back;
                mf_reject_t rej;
                size_t used = 0;
                mf_buf_reset(&b);
                assert_int_equal(mf_event_write_msgpack(&b, &ev), MF_OK);
                assert_int_equal(
                    mf_event_decode_msgpack(d, b.data, b.len, &used, &back, &rej), MF_OK);
                assert_int_equal(used, b.len);
                assert_same(&ev, &back);
        }
        mf_buf_destroy(&b);
        mf_decoder_free(d);
}

static void test_every_type_round_trips_through_json(void **state) {
        MF_UNUSED(state);
        mf_decoder_t *d = mf_decoder_new();
        mf_buf_t b;
        mf_buf_init(&b);
        for (int t = 0; t < MF_EV__COUNT; t++) {
                mf_event_t ev = full_event((mf_event_type_t)t), back;
                mf_reject_t rej;
                mf_buf_reset(&b);
                assert_int_equal(mf_event_write_json(&b, &ev), MF_OK);
                assert_int_equal(b.data[b.len - 1], '\n');
                assert_int_equal(mf_event_decode_json(d, b.data, b.len - 1, &back, &rej),
                                 MF_OK);
                assert_same(&ev, &back);
        }
        mf_buf_destroy(&b);
        mf_decoder_free(d);
}

static void test_json_keys_in_contract_order_and_unset_optionals_left_out(void **state) {
        MF_UNUSED(state);
        mf_buf_t b;
        mf_buf_init(&b);
        mf_event_t ev = mf_test_referral("e3", "c1", "r1", "2024-02-29");
        assert_int_equal(mf_event_write_json(&b, &ev), MF_OK);
        const char *want = "{\"v\":1,\"type\":\"referral\",\"id\":\"e3\",\"la\":\"302\","
                           "\"child\":\"c1\",\"referral_id\":\"r1\",\"referral_date\":"
                           "\"2024-02-29\",\"nfa\":false}\n";
        assert_int_equal(b.len, strlen(want));
        assert_memory_equal(b.data, want, b.len);
        mf_buf_destroy(&b);
}

static void test_json_strings_are_escaped(void **state) {
        MF_UNUSED(state);
        mf_buf_t b;
        mf_buf_init(&b);
        mf_event_t ev = mf_test_referral("e\"1", "c\\1", "r1", "2024-02-29");
        assert_int_equal(mf_event_write_json(&b, &ev), MF_OK);
        assert_non_null(strstr(b.data, "\"id\":\"e\\\"1\""));
        assert_non_null(strstr(b.data, "\"child\":\"c\\\\1\""));
        mf_buf_destroy(&b);
}

int main(void) {
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_every_type_round_trips_through_msgpack),
            cmocka_unit_test(test_every_type_round_trips_through_json),
            cmocka_unit_test(
                test_json_keys_in_contract_order_and_unset_optionals_left_out),
            cmocka_unit_test(test_json_strings_are_escaped),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
