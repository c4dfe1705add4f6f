/* mf_index: the hash index over state, and mf_seen, the dedupe set. */
#include "mf_test_util.h"

#include <stdio.h>
#include <stdlib.h>

#include "mf_index.h"

/* Keys live outside the index, as they do in the store's records; the value
 * stored is the key's position in keys[]. */
typedef struct {
        char (*keys)[16];
        const char *want;
} lookup_t;

static bool key_eq(const void *ctx, uint32_t val) {
        const lookup_t *l = ctx;
        return strcmp(l->keys[val], l->want) == 0;
}

static uint32_t find(const mf_index_t *ix, char (*keys)[16], uint64_t h,
                     const char *want) {
        lookup_t l = {keys, want};
        return mf_index_find(ix, h, key_eq, &l);
}

/* An eq that must not be reached. */
static bool never_called(const void *ctx, uint32_t val) {
        (void)ctx;
        (void)val;
        fail_msg("eq called for a hash that is not in the index");
        return false;
}

static int setup_index(void **state) {
        mf_index_t *ix = malloc(sizeof(*ix));
        if (!ix)
                return -1;
        mf_index_init(ix);
        *state = ix;
        return 0;
}

static int teardown_index(void **state) {
        mf_index_destroy(*state);
        free(*state);
        return 0;
}

static uint64_t hash_cstr(const char *s) {
        return mf_hash(mf_str(s, strlen(s)));
}

static void test_hash_is_stable_for_equal_bytes_at_different_addresses(void **state) {
        (void)state;
        char a[] = "referral-0001";
        char b[] = "referral-0001";
        assert_ptr_not_equal(a, b);
        assert_int_equal(mf_hash(mf_str(a, 13)), mf_hash(mf_str(b, 13)));
}

static void test_hash_differs_for_different_strings(void **state) {
        (void)state;
        assert_int_not_equal(hash_cstr("r1"), hash_cstr("r2"));
        assert_int_not_equal(hash_cstr("r1"), hash_cstr("r1 "));
        assert_int_not_equal(hash_cstr(""), hash_cstr("a"));
}

/* A bucket's tag folds the hash to 32 bits and 0 marks an empty bucket:
 * hashes that fold to 0 (or to 1, where 0 is moved) are still kept apart. */
static void test_index_hashes_folding_to_zero_are_found(void **state) {
        mf_index_t *ix = *state;
        char keys[4][16] = {"zero", "fold-zero", "one", "fold-one"};
        const uint64_t h[4] = {0, 0x8000000180000001ULL, 1, 0x0000000100000000ULL};
        for (uint32_t i = 0; i < 4; i++)
                assert_int_equal(mf_index_insert(ix, h[i], i), MF_OK);
        for (uint32_t i = 0; i < 4; i++)
                assert_int_equal(find(ix, keys, h[i], keys[i]), i);
        assert_int_equal(find(ix, keys, 0, "absent"), MF_INDEX_NONE);
        assert_int_equal(ix->len, 4);
}

static void test_index_find_in_an_empty_index_is_none(void **state) {
        assert_int_equal(mf_index_find(*state, 12345, never_called, NULL), MF_INDEX_NONE);
}

static void test_index_insert_then_find_returns_the_value(void **state) {
        mf_index_t *ix = *state;
        char keys[2][16] = {"alpha", "bravo"};
        assert_int_equal(mf_index_insert(ix, hash_cstr("alpha"), 0), MF_OK);
        assert_int_equal(mf_index_insert(ix, hash_cstr("bravo"), 1), MF_OK);
        assert_int_equal(find(ix, keys, hash_cstr("alpha"), "alpha"), 0);
        assert_int_equal(find(ix, keys, hash_cstr("bravo"), "bravo"), 1);
        assert_int_equal(ix->len, 2);
}

static void test_index_find_of_an_absent_hash_is_none(void **state) {
        mf_index_t *ix = *state;
        assert_int_equal(mf_index_insert(ix, hash_cstr("alpha"), 0), MF_OK);
        assert_int_equal(mf_index_find(ix, hash_cstr("zulu"), never_called, NULL),
                         MF_INDEX_NONE);
}

static void test_index_find_with_matching_hash_but_unequal_key_is_none(void **state) {
        mf_index_t *ix = *state;
        char keys[1][16] = {"alpha"};
        assert_int_equal(mf_index_insert(ix, 0x1234567890abcdefULL, 0), MF_OK);
        assert_int_equal(find(ix, keys, 0x1234567890abcdefULL, "other"), MF_INDEX_NONE);
}

static void test_index_colliding_hashes_are_told_apart_by_eq(void **state) {
        mf_index_t *ix = *state;
        char keys[3][16] = {"first", "second", "third"};
        const uint64_t h = 0xfeedfacecafebeefULL;
        assert_int_equal(mf_index_insert(ix, h, 0), MF_OK);
        assert_int_equal(mf_index_insert(ix, h, 1), MF_OK);
        assert_int_equal(mf_index_insert(ix, h, 2), MF_OK);
        assert_int_equal(find(ix, keys, h, "first"), 0);
        assert_int_equal(find(ix, keys, h, "second"), 1);
        assert_int_equal(find(ix, keys, h, "third"), 2);
        assert_int_equal(find(ix, keys, h, "fourth"), MF_INDEX_NONE);
}

/* Different hashes that land in one bucket, including the last bucket, so
 * that probing wraps around to the first. */
static void test_index_hashes_sharing_a_bucket_are_all_found(void **state) {
        mf_index_t *ix = *state;
        char keys[8][16] = {"k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7"};
        /* Folding to one tag, all ones: the last bucket at any capacity. */
        uint64_t h[8];
        for (uint32_t i = 0; i < 8; i++)
                h[i] = ((uint64_t)(i + 1) << 32) | (0xffffffffu ^ (i + 1));
        for (uint32_t i = 0; i < 8; i++)
                assert_int_equal(mf_index_insert(ix, h[i], i), MF_OK);
        for (int i = 0; i < 8; i++)
                assert_int_equal(find(ix, keys, h[i], keys[i]), (uint32_t)i);
        assert_int_equal(find(ix, keys, ((uint64_t)9 << 32) | (0xffffffffu ^ 9), "k9"),
                         MF_INDEX_NONE);
}

static void test_index_many_values_under_one_hash_are_all_found(void **state) {
        mf_index_t *ix = *state;
        enum { N = 300 };
        static char keys[N][16];
        for (uint32_t i = 0; i < N; i++) {
                snprintf(keys[i], sizeof(keys[i]), "same-%u", i);
                assert_int_equal(mf_index_insert(ix, 42, i), MF_OK);
        }
        for (uint32_t i = 0; i < N; i++)
                assert_int_equal(find(ix, keys, 42, keys[i]), i);
}

static void test_index_grows_past_several_resizes(void **state) {
        mf_index_t *ix = *state;
        enum { N = 100000 };
        char(*keys)[16] = malloc(sizeof(*keys) * N);
        assert_non_null(keys);
        for (uint32_t i = 0; i < N; i++) {
                snprintf(keys[i], sizeof(keys[i]), "key-%u", i);
                assert_int_equal(mf_index_insert(ix, hash_cstr(keys[i]), i), MF_OK);
        }
        assert_int_equal(ix->len, N);
        /* A power of two, with room to spare. */
        assert_true(ix->cap >= N);
        assert_int_equal(ix->cap & (ix->cap - 1), 0);
        for (uint32_t i = 0; i < N; i++)
                assert_int_equal(find(ix, keys, hash_cstr(keys[i]), keys[i]), i);
        char absent[16];
        for (int i = N; i < N + 1000; i++) {
                snprintf(absent, sizeof(absent), "key-%d", i);
                assert_int_equal(find(ix, keys, hash_cstr(absent), absent),
                                 MF_INDEX_NONE);
        }
        free(keys);
}

static void test_index_clear_forgets_every_entry(void **state) {
        mf_index_t *ix = *state;
        static char keys[1000][16];
        for (uint32_t i = 0; i < 1000; i++) {
                snprintf(keys[i], sizeof(keys[i]), "c-%u", i);
                assert_int_equal(mf_index_insert(ix, hash_cstr(keys[i]), i), MF_OK);
        }
        mf_index_clear(ix);
        assert_int_equal(ix->len, 0);
        for (uint32_t i = 0; i < 1000; i++)
                assert_int_equal(find(ix, keys, hash_cstr(keys[i]), keys[i]),
                                 MF_INDEX_NONE);
}

static void test_index_clear_then_insert_rebuilds(void **state) {
        mf_index_t *ix = *state;
        static char keys[1000][16];
        for (uint32_t i = 0; i < 1000; i++) {
                snprintf(keys[i], sizeof(keys[i]), "c-%u", i);
                assert_int_equal(mf_index_insert(ix, hash_cstr(keys[i]), i), MF_OK);
        }
        mf_index_clear(ix);
        /* Keep the even ones, as a sweep would. */
        for (uint32_t i = 0; i < 1000; i += 2)
                assert_int_equal(mf_index_insert(ix, hash_cstr(keys[i]), i), MF_OK);
        assert_int_equal(ix->len, 500);
        for (uint32_t i = 0; i < 1000; i++)
                assert_int_equal(find(ix, keys, hash_cstr(keys[i]), keys[i]),
                                 i % 2 ? MF_INDEX_NONE : i);
}

static void test_index_clear_of_an_unused_index_is_harmless(void **state) {
        mf_index_t *ix = *state;
        mf_index_clear(ix);
        assert_int_equal(ix->len, 0);
        assert_int_equal(mf_index_find(ix, 7, never_called, NULL), MF_INDEX_NONE);
}

static void test_index_bytes_cover_its_buckets(void **state) {
        mf_index_t *ix = *state;
        assert_int_equal(mf_index_bytes(ix), 0);
        for (uint32_t i = 0; i < 100; i++)
                assert_int_equal(mf_index_insert(ix, 1000 + i, i), MF_OK);
        /* A hash and a value per bucket, at least one bucket per entry. */
        assert_true(mf_index_bytes(ix) >= 100 * (sizeof(uint64_t) + sizeof(uint32_t)));
}

/* ---- mf_seen ---- */

static int setup_seen(void **state) {
        mf_seen_t *s = malloc(sizeof(*s));
        if (!s)
                return -1;
        mf_seen_init(s);
        *state = s;
        return 0;
}

static int teardown_seen(void **state) {
        mf_seen_destroy(*state);
        free(*state);
        return 0;
}

static bool seen_add(mf_seen_t *s, const char *id, mf_date_t date) {
        mf_err_t err = MF_ERR_IO;
        bool added = mf_seen_add(s, mf_str(id, strlen(id)), date, &err);
        assert_int_equal(err, MF_OK);
        return added;
}

static bool seen_has(const mf_seen_t *s, const char *id) {
        return mf_seen_contains(s, mf_str(id, strlen(id)));
}

static void test_seen_empty_set_contains_nothing(void **state) {
        assert_false(seen_has(*state, "e1"));
        assert_false(seen_has(*state, ""));
}

static void test_seen_add_of_a_new_id_returns_true(void **state) {
        assert_true(seen_add(*state, "e1", 19000));
}

static void test_seen_contains_an_added_id(void **state) {
        mf_seen_t *s = *state;
        seen_add(s, "e1", 19000);
        assert_true(seen_has(s, "e1"));
}

static void test_seen_add_of_a_duplicate_returns_false(void **state) {
        mf_seen_t *s = *state;
        assert_true(seen_add(s, "e1", 19000));
        assert_false(seen_add(s, "e1", 19000));
        assert_false(seen_add(s, "e1", 19005));
        assert_int_equal(s->len, 1);
}

static void test_seen_does_not_contain_a_similar_id(void **state) {
        mf_seen_t *s = *state;
        seen_add(s, "e1", 19000);
        assert_false(seen_has(s, "e2"));
        assert_false(seen_has(s, "e1 "));
        assert_false(seen_has(s, "E1"));
        assert_false(seen_has(s, "e"));
        assert_true(seen_add(s, "e10", 19000));
}

static void test_seen_id_is_compared_by_bytes_not_address(void **state) {
        mf_seen_t *s = *state;
        char a[] = "event-42";
        char b[] = "event-42";
        mf_err_t err;
        assert_true(mf_seen_add(s, mf_str(a, 8), 19000, &err));
        assert_true(mf_seen_contains(s, mf_str(b, 8)));
        assert_false(mf_seen_add(s, mf_str(b, 8), 19000, &err));
        assert_int_equal(err, MF_OK);
}

static void test_seen_sweep_drops_ids_dated_before_first_kept(void **state) {
        mf_seen_t *s = *state;
        char id[16];
        for (int d = 0; d < 10; d++) {
                snprintf(id, sizeof(id), "e%d", d);
                seen_add(s, id, 19000 + d);
        }
        assert_int_equal(mf_seen_sweep(s, 19005), MF_OK);
        for (int d = 0; d < 5; d++) {
                snprintf(id, sizeof(id), "e%d", d);
                assert_false(seen_has(s, id));
        }
        assert_int_equal(s->len, 5);
}

static void test_seen_sweep_keeps_ids_dated_on_or_after_first_kept(void **state) {
        mf_seen_t *s = *state;
        char id[16];
        for (int d = 0; d < 10; d++) {
                snprintf(id, sizeof(id), "e%d", d);
                seen_add(s, id, 19000 + d);
        }
        assert_int_equal(mf_seen_sweep(s, 19005), MF_OK);
        for (int d = 5; d < 10; d++) {
                snprintf(id, sizeof(id), "e%d", d);
                assert_true(seen_has(s, id));
                assert_false(seen_add(s, id, 19000 + d));
        }
}

static void test_seen_swept_id_is_new_again(void **state) {
        mf_seen_t *s = *state;
        seen_add(s, "old", 18000);
        assert_int_equal(mf_seen_sweep(s, 18001), MF_OK);
        assert_true(seen_add(s, "old", 19000));
        assert_true(seen_has(s, "old"));
}

static void test_seen_sweep_of_an_empty_set_is_harmless(void **state) {
        mf_seen_t *s = *state;
        assert_int_equal(mf_seen_sweep(s, 19000), MF_OK);
        assert_false(seen_has(s, "e1"));
        assert_true(seen_add(s, "e1", 19000));
}

static void test_seen_holds_many_ids(void **state) {
        mf_seen_t *s = *state;
        enum { N = 300000 };
        char id[32];
        for (int i = 0; i < N; i++) {
                snprintf(id, sizeof(id), "ev-%d", i);
                assert_true(seen_add(s, id, 19000 + i % 700));
        }
        assert_int_equal(s->len, N);
        for (int i = 0; i < N; i++) {
                snprintf(id, sizeof(id), "ev-%d", i);
                assert_true(seen_has(s, id));
        }
        for (int i = N; i < 2 * N; i++) {
                snprintf(id, sizeof(id), "ev-%d", i);
                assert_false(seen_has(s, id));
        }
        for (int i = 0; i < N; i += 7) {
                snprintf(id, sizeof(id), "ev-%d", i);
                assert_false(seen_add(s, id, 19000));
        }
        assert_int_equal(s->len, N);
}

static void test_seen_sweep_of_many_ids_keeps_exactly_the_recent_ones(void **state) {
        mf_seen_t *s = *state;
        enum { N = 100000 };
        char id[32];
        for (int i = 0; i < N; i++) {
                snprintf(id, sizeof(id), "ev-%d", i);
                seen_add(s, id, 19000 + i % 100);
        }
        assert_int_equal(mf_seen_sweep(s, 19050), MF_OK);
        assert_int_equal(s->len, N / 2);
        for (int i = 0; i < N; i++) {
                snprintf(id, sizeof(id), "ev-%d", i);
                if (i % 100 >= 50)
                        assert_true(seen_has(s, id));
                else
                        assert_false(seen_has(s, id));
        }
}

static void test_seen_keeps_working_after_a_sweep_shrinks_it(void **state) {
        mf_seen_t *s = *state;
        char id[32];
        for (int i = 0; i < 50000; i++) {
                snprintf(id, sizeof(id), "a-%d", i);
                seen_add(s, id, 18000);
        }
        seen_add(s, "survivor", 19000);
        assert_int_equal(mf_seen_sweep(s, 19000), MF_OK);
        assert_int_equal(s->len, 1);
        assert_true(seen_has(s, "survivor"));
        for (int i = 0; i < 50000; i++) {
                snprintf(id, sizeof(id), "b-%d", i);
                assert_true(seen_add(s, id, 19001));
        }
        for (int i = 0; i < 50000; i++) {
                snprintf(id, sizeof(id), "b-%d", i);
                assert_true(seen_has(s, id));
        }
        assert_true(seen_has(s, "survivor"));
        assert_int_equal(s->len, 50001);
}

static void test_seen_entry_takes_16_bytes(void **state) {
        (void)state;
        /* The header's memory figure: 16 bytes an id. */
        assert_int_equal(sizeof(mf_seen_entry_t), 16);
}

#define IX_TEST(f)   cmocka_unit_test_setup_teardown(f, setup_index, teardown_index)
#define SEEN_TEST(f) cmocka_unit_test_setup_teardown(f, setup_seen, teardown_seen)

int main(void) {
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_hash_is_stable_for_equal_bytes_at_different_addresses),
            cmocka_unit_test(test_hash_differs_for_different_strings),
            IX_TEST(test_index_hashes_folding_to_zero_are_found),
            IX_TEST(test_index_find_in_an_empty_index_is_none),
            IX_TEST(test_index_insert_then_find_returns_the_value),
            IX_TEST(test_index_find_of_an_absent_hash_is_none),
            IX_TEST(test_index_find_with_matching_hash_but_unequal_key_is_none),
            IX_TEST(test_index_colliding_hashes_are_told_apart_by_eq),
            IX_TEST(test_index_hashes_sharing_a_bucket_are_all_found),
            IX_TEST(test_index_many_values_under_one_hash_are_all_found),
            IX_TEST(test_index_grows_past_several_resizes),
            IX_TEST(test_index_clear_forgets_every_entry),
            IX_TEST(test_index_clear_then_insert_rebuilds),
            IX_TEST(test_index_clear_of_an_unused_index_is_harmless),
            IX_TEST(test_index_bytes_cover_its_buckets),
            SEEN_TEST(test_seen_empty_set_contains_nothing),
            SEEN_TEST(test_seen_add_of_a_new_id_returns_true),
            SEEN_TEST(test_seen_contains_an_added_id),
            SEEN_TEST(test_seen_add_of_a_duplicate_returns_false),
            SEEN_TEST(test_seen_does_not_contain_a_similar_id),
            SEEN_TEST(test_seen_id_is_compared_by_bytes_not_address),
            SEEN_TEST(test_seen_sweep_drops_ids_dated_before_first_kept),
            SEEN_TEST(test_seen_sweep_keeps_ids_dated_on_or_after_first_kept),
            SEEN_TEST(test_seen_swept_id_is_new_again),
            SEEN_TEST(test_seen_sweep_of_an_empty_set_is_harmless),
            SEEN_TEST(test_seen_holds_many_ids),
            SEEN_TEST(test_seen_sweep_of_many_ids_keeps_exactly_the_recent_ones),
            SEEN_TEST(test_seen_keeps_working_after_a_sweep_shrinks_it),
            cmocka_unit_test(test_seen_entry_takes_16_bytes),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
