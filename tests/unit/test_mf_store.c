/* The per-authority state store: items, children, references, sweep. */
#include "mf_test_util.h"

#include <stdlib.h>

static int setup(void **state) {
        mf_store_t *st = mf_store_new(MF_STR_LIT("302"));
        assert_non_null(st);
        *state = st;
        return 0;
}

static int teardown(void **state) {
        mf_store_free(*state);
        return 0;
}

static uint32_t referral(mf_store_t *st, const char *rid, const char *child,
                         const char *date) {
        bool created;
        uint32_t s =
            mf_store_get(st, MF_ITEM_REFERRAL, mf_str(rid, strlen(rid)), &created);
        assert_int_not_equal(s, MF_SLOT_NONE);
        assert_int_equal(
            mf_store_set_child(st, MF_ITEM_REFERRAL, s, mf_str(child, strlen(child))),
            MF_OK);
        ((mf_referral_t *)mf_store_item(st, MF_ITEM_REFERRAL, s))->date =
            mf_test_date(date);
        return s;
}

static size_t child_referrals(mf_store_t *st, uint32_t child) {
        size_t n = 0;
        for (uint32_t s = mf_store_child(st, child)->referrals; s != MF_SLOT_NONE;
             s = ((mf_referral_t *)mf_store_item(st, MF_ITEM_REFERRAL, s))->next)
                n++;
        return n;
}

static void test_get_finds_the_same_item_and_creates_once(void **state) {
        mf_store_t *st = *state;
        bool created;
        uint32_t a = mf_store_get(st, MF_ITEM_CONTACT, MF_STR_LIT("k1"), &created);
        assert_true(created);
        uint32_t b = mf_store_get(st, MF_ITEM_CONTACT, MF_STR_LIT("k1"), &created);
        assert_false(created);
        assert_int_equal(a, b);
        assert_int_equal(mf_store_find(st, MF_ITEM_CONTACT, MF_STR_LIT("k1")), a);
        /* Item ids are per kind: a referral "k1" is another item. */
        assert_int_equal(mf_store_find(st, MF_ITEM_REFERRAL, MF_STR_LIT("k1")),
                         MF_SLOT_NONE);
        assert_int_equal(mf_store_count(st, MF_ITEM_CONTACT), 1);
}

static void test_child_shared_by_items_and_released_with_the_last(void **state) {
        mf_store_t *st = *state;
        uint32_t r1 = referral(st, "r1", "c1", "2023-01-01");
        uint32_t r2 = referral(st, "r2", "c1", "2023-02-01");
        mf_referral_t *a = mf_store_item(st, MF_ITEM_REFERRAL, r1);
        uint32_t c1 = a->child;
        assert_int_equal(
            ((mf_referral_t *)mf_store_item(st, MF_ITEM_REFERRAL, r2))->child, c1);
        assert_int_equal(mf_store_child(st, c1)->refs, 2);
        assert_int_equal(child_referrals(st, c1), 2);
        /* Moving r1 to c2 leaves c1 with one referral. */
        assert_int_equal(mf_store_set_child(st, MF_ITEM_REFERRAL, r1, MF_STR_LIT("c2")),
                         MF_OK);
        assert_int_equal(mf_store_child(st, c1)->refs, 1);
        assert_int_equal(child_referrals(st, c1), 1);
        assert_int_equal(mf_store_children(st), 2);
        /* Moving r2 away releases c1. */
        assert_int_equal(mf_store_set_child(st, MF_ITEM_REFERRAL, r2, MF_STR_LIT("c2")),
                         MF_OK);
        assert_int_equal(mf_store_children(st), 1);
}

static void test_sweep_releases_items_before_first_kept_and_their_children(void **state) {
        mf_store_t *st = *state;
        referral(st, "r1", "c1", "2021-01-01");
        referral(st, "r2", "c2", "2021-01-01");
        referral(st, "r3", "c2", "2023-01-01");
        mf_err_t err;
        assert_true(
            mf_seen_add(&st->seen, MF_STR_LIT("old"), mf_test_date("2021-01-01"), &err));
        assert_true(
            mf_seen_add(&st->seen, MF_STR_LIT("new"), mf_test_date("2023-01-01"), &err));
        assert_int_equal(mf_store_sweep(st, mf_test_date("2022-01-01")), MF_OK);
        assert_int_equal(mf_store_count(st, MF_ITEM_REFERRAL), 1);
        assert_int_equal(mf_store_children(st), 1);
        assert_int_equal(mf_store_find(st, MF_ITEM_REFERRAL, MF_STR_LIT("r1")),
                         MF_SLOT_NONE);
        uint32_t r3 = mf_store_find(st, MF_ITEM_REFERRAL, MF_STR_LIT("r3"));
        assert_int_not_equal(r3, MF_SLOT_NONE);
        uint32_t c2 = ((mf_referral_t *)mf_store_item(st, MF_ITEM_REFERRAL, r3))->child;
        assert_int_equal(child_referrals(st, c2), 1);
        assert_false(mf_seen_contains(&st->seen, MF_STR_LIT("old")));
        assert_true(mf_seen_contains(&st->seen, MF_STR_LIT("new")));
        /* Released slots are reused. */
        uint32_t before = st->items[MF_ITEM_REFERRAL].slab.len;
        referral(st, "r4", "c4", "2023-02-01");
        assert_int_equal(st->items[MF_ITEM_REFERRAL].slab.len, before);
}

static void test_item_kept_while_any_of_its_dates_is_inside(void **state) {
        mf_store_t *st = *state;
        bool created;
        uint32_t s = mf_store_get(st, MF_ITEM_ASSESSMENT, MF_STR_LIT("a1"), &created);
        mf_assessment_t *a = mf_store_item(st, MF_ITEM_ASSESSMENT, s);
        a->start = mf_test_date("2021-06-01");
        a->authorised = mf_test_date("2022-02-01");
        assert_int_equal(mf_store_sweep(st, mf_test_date("2022-01-01")), MF_OK);
        assert_int_equal(mf_store_count(st, MF_ITEM_ASSESSMENT), 1);
}

static void test_source_codes_interned_and_named(void **state) {
        mf_store_t *st = *state;
        uint8_t a = mf_store_source(st, MF_STR_LIT("2A"));
        uint8_t b = mf_store_source(st, MF_STR_LIT("6"));
        assert_int_not_equal(a, MF_SOURCE_NONE);
        assert_int_not_equal(a, b);
        assert_int_equal(mf_store_source(st, MF_STR_LIT("2A")), a);
        assert_int_equal(mf_store_source(st, MF_STR_NULL), MF_SOURCE_NONE);
        assert_true(mf_str_eq_cstr(mf_store_source_name(st, b), "6"));
        assert_true(
            mf_str_eq_cstr(mf_store_source_name(st, MF_SOURCE_NONE), "not_recorded"));
}

static void test_ethnicity_codes_map_to_cin_groups(void **state) {
        MF_UNUSED(state);
        assert_int_equal(mf_ethnicity_group(MF_STR_LIT("WBRI")), MF_ETH_WHITE);
        assert_int_equal(mf_ethnicity_group(MF_STR_LIT("MWBC")), MF_ETH_MIXED);
        assert_int_equal(mf_ethnicity_group(MF_STR_LIT("APKN")), MF_ETH_ASIAN);
        assert_int_equal(mf_ethnicity_group(MF_STR_LIT("BAFR")), MF_ETH_BLACK);
        assert_int_equal(mf_ethnicity_group(MF_STR_LIT("CHNE")), MF_ETH_OTHER);
        assert_int_equal(mf_ethnicity_group(MF_STR_LIT("REFU")), MF_ETH_NOT_STATED);
        assert_int_equal(mf_ethnicity_group(MF_STR_LIT("NOBT")), MF_ETH_NOT_RECORDED);
        assert_int_equal(mf_ethnicity_group(MF_STR_LIT("XXXX")), MF_ETH_NOT_RECORDED);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void) {
        const struct CMUnitTest tests[] = {
            T(test_get_finds_the_same_item_and_creates_once),
            T(test_child_shared_by_items_and_released_with_the_last),
            T(test_sweep_releases_items_before_first_kept_and_their_children),
            T(test_item_kept_while_any_of_its_dates_is_inside),
            T(test_source_codes_interned_and_named),
            T(test_ethnicity_codes_map_to_cin_groups),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
