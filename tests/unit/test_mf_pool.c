/* mf_pool: the string pool and the slab of fixed-size records. */
#include "mf_test_util.h"

#include <stdio.h>
#include <stdlib.h>

#include "mf_pool.h"

static int setup_pool(void **state) {
        *state = mf_strpool_new();
        return *state ? 0 : -1;
}

static int teardown_pool(void **state) {
        mf_strpool_free(*state);
        return 0;
}

/* A string of n bytes whose content depends on seed, so neighbours differ. */
static void fill(char *s, size_t n, unsigned seed) {
        for (size_t i = 0; i < n; i++)
                s[i] = (char)(33 + (seed * 31 + i * 7) % 90);
}

static void check_round_trip(mf_strpool_t *sp, size_t n) {
        char src[300];
        fill(src, n, (unsigned)n);
        const char *h = mf_strpool_put(sp, mf_str(src, n));
        assert_non_null(h);
        /* The pool copies: changing the source must not change the handle. */
        char expect[300];
        memcpy(expect, src, n);
        memset(src, 0, sizeof(src));
        mf_str_t got = mf_strpool_get(h);
        assert_int_equal(got.len, n);
        if (n)
                assert_memory_equal(got.ptr, expect, n);
}

static void test_strpool_round_trips_empty_string(void **state) {
        check_round_trip(*state, 0);
}

static void test_strpool_round_trips_1_byte(void **state) {
        check_round_trip(*state, 1);
}

static void test_strpool_round_trips_15_bytes(void **state) {
        check_round_trip(*state, 15);
}

static void test_strpool_round_trips_16_bytes(void **state) {
        check_round_trip(*state, 16);
}

static void test_strpool_round_trips_64_bytes(void **state) {
        check_round_trip(*state, 64);
}

static void test_strpool_round_trips_255_bytes(void **state) {
        check_round_trip(*state, 255);
}

static void test_strpool_rejects_256_bytes(void **state) {
        char src[256];
        fill(src, sizeof(src), 1);
        assert_null(mf_strpool_put(*state, mf_str(src, sizeof(src))));
}

static void test_strpool_rejects_1000_bytes(void **state) {
        char src[1000];
        fill(src, sizeof(src), 2);
        assert_null(mf_strpool_put(*state, mf_str(src, sizeof(src))));
}

static void test_strpool_get_of_null_handle_is_empty(void **state) {
        (void)state;
        mf_str_t s = mf_strpool_get(NULL);
        assert_int_equal(s.len, 0);
}

static void test_strpool_release_of_null_is_harmless(void **state) {
        mf_strpool_release(*state, NULL);
        check_round_trip(*state, 10);
}

static void test_strpool_empty_pool_holds_no_bytes(void **state) {
        assert_int_equal(mf_strpool_bytes(*state), 0);
}

static void test_strpool_bytes_grow_when_strings_are_added(void **state) {
        mf_strpool_t *sp = *state;
        assert_non_null(mf_strpool_put(sp, MF_STR_LIT("abc")));
        assert_true(mf_strpool_bytes(sp) >= 16);
}

/* Many live strings of every length: none overwrites another, across blocks. */
static void test_strpool_many_live_strings_keep_their_contents(void **state) {
        mf_strpool_t *sp = *state;
        enum { N = 20000 };
        const char **h = calloc(N, sizeof(*h));
        assert_non_null(h);
        char src[256];
        for (unsigned i = 0; i < N; i++) {
                size_t n = i % 256;
                fill(src, n, i);
                h[i] = mf_strpool_put(sp, mf_str(src, n));
                assert_non_null(h[i]);
        }
        /* 20000 strings of 0..255 bytes cannot fit one 64 KiB block. */
        assert_true(mf_strpool_bytes(sp) > 65536);
        for (unsigned i = 0; i < N; i++) {
                size_t n = i % 256;
                fill(src, n, i);
                mf_str_t got = mf_strpool_get(h[i]);
                assert_int_equal(got.len, n);
                if (n)
                        assert_memory_equal(got.ptr, src, n);
        }
        free(h);
}

static void test_strpool_release_then_put_of_same_size_reuses_the_chunk(void **state) {
        mf_strpool_t *sp = *state;
        const char *a = mf_strpool_put(sp, MF_STR_LIT("child-0001"));
        assert_non_null(a);
        mf_strpool_release(sp, a);
        const char *b = mf_strpool_put(sp, MF_STR_LIT("child-0002"));
        assert_ptr_equal(a, b);
        assert_true(mf_str_eq_cstr(mf_strpool_get(b), "child-0002"));
}

static void test_strpool_release_keeps_other_live_strings_intact(void **state) {
        mf_strpool_t *sp = *state;
        const char *a = mf_strpool_put(sp, MF_STR_LIT("alpha"));
        const char *b = mf_strpool_put(sp, MF_STR_LIT("bravo"));
        const char *c = mf_strpool_put(sp, MF_STR_LIT("charlie"));
        assert_non_null(a);
        assert_non_null(b);
        assert_non_null(c);
        mf_strpool_release(sp, b);
        const char *d = mf_strpool_put(sp, MF_STR_LIT("delta"));
        assert_non_null(d);
        assert_true(mf_str_eq_cstr(mf_strpool_get(a), "alpha"));
        assert_true(mf_str_eq_cstr(mf_strpool_get(c), "charlie"));
        assert_true(mf_str_eq_cstr(mf_strpool_get(d), "delta"));
}

/* An endless stream of put/release keeps memory flat. */
static void test_strpool_bytes_stay_flat_over_100000_put_release_cycles(void **state) {
        mf_strpool_t *sp = *state;
        char src[256];
        /* Warm up: one chunk of every size in use, then released. */
        for (size_t n = 0; n <= 255; n++) {
                fill(src, n, 0);
                const char *h = mf_strpool_put(sp, mf_str(src, n));
                assert_non_null(h);
                mf_strpool_release(sp, h);
        }
        size_t bytes = mf_strpool_bytes(sp);
        assert_true(bytes > 0);
        for (unsigned i = 0; i < 100000; i++) {
                size_t n = (i * 37) % 256;
                fill(src, n, i);
                const char *h = mf_strpool_put(sp, mf_str(src, n));
                assert_non_null(h);
                mf_str_t got = mf_strpool_get(h);
                assert_int_equal(got.len, n);
                if (n)
                        assert_memory_equal(got.ptr, src, n);
                mf_strpool_release(sp, h);
        }
        assert_int_equal(mf_strpool_bytes(sp), bytes);
}

/* A working set that turns over (as ids do over the horizon) stays flat too. */
static void test_strpool_bytes_stay_flat_with_a_turning_over_working_set(void **state) {
        mf_strpool_t *sp = *state;
        enum { LIVE = 1000 };
        const char *h[LIVE];
        char src[80];
        for (unsigned i = 0; i < LIVE; i++) {
                int n = snprintf(src, sizeof(src), "child-%08u", i);
                h[i] = mf_strpool_put(sp, mf_str(src, (size_t)n));
                assert_non_null(h[i]);
        }
        size_t bytes = mf_strpool_bytes(sp);
        for (unsigned i = LIVE; i < 100000; i++) {
                unsigned k = i % LIVE;
                mf_strpool_release(sp, h[k]);
                int n = snprintf(src, sizeof(src), "child-%08u", i);
                h[k] = mf_strpool_put(sp, mf_str(src, (size_t)n));
                assert_non_null(h[k]);
        }
        assert_int_equal(mf_strpool_bytes(sp), bytes);
        for (unsigned k = 0; k < LIVE; k++) {
                unsigned i = 100000 - LIVE + k; /* the last i with i % LIVE == k */
                int n = snprintf(src, sizeof(src), "child-%08u", i);
                assert_true(mf_str_eq(mf_strpool_get(h[k]), mf_str(src, (size_t)n)));
        }
}

/* ---- slab ---- */

typedef struct {
        uint64_t a;
        uint32_t b;
        char name[20];
} rec_t;

static int setup_slab(void **state) {
        mf_slab_t *s = malloc(sizeof(*s));
        if (!s)
                return -1;
        mf_slab_init(s, sizeof(rec_t));
        *state = s;
        return 0;
}

static int teardown_slab(void **state) {
        mf_slab_destroy(*state);
        free(*state);
        return 0;
}

static bool all_zero(const void *p, size_t n) {
        const unsigned char *c = p;
        for (size_t i = 0; i < n; i++)
                if (c[i])
                        return false;
        return true;
}

static void test_slab_new_slab_has_no_live_slots(void **state) {
        assert_int_equal(mf_slab_live(*state), 0);
}

static void test_slab_alloc_gives_distinct_slots(void **state) {
        mf_slab_t *s = *state;
        uint32_t a = mf_slab_alloc(s), b = mf_slab_alloc(s), c = mf_slab_alloc(s);
        assert_int_not_equal(a, MF_SLOT_NONE);
        assert_int_not_equal(b, MF_SLOT_NONE);
        assert_int_not_equal(c, MF_SLOT_NONE);
        assert_int_not_equal(a, b);
        assert_int_not_equal(a, c);
        assert_int_not_equal(b, c);
        assert_int_equal(mf_slab_live(s), 3);
}

static void test_slab_alloc_gives_a_zeroed_slot(void **state) {
        mf_slab_t *s = *state;
        uint32_t a = mf_slab_alloc(s);
        assert_true(all_zero(mf_slab_at(s, a), sizeof(rec_t)));
}

static void test_slab_records_do_not_overlap(void **state) {
        mf_slab_t *s = *state;
        uint32_t a = mf_slab_alloc(s), b = mf_slab_alloc(s);
        memset(mf_slab_at(s, a), 0xaa, sizeof(rec_t));
        memset(mf_slab_at(s, b), 0x55, sizeof(rec_t));
        const unsigned char *pa = mf_slab_at(s, a);
        for (size_t i = 0; i < sizeof(rec_t); i++)
                assert_int_equal(pa[i], 0xaa);
}

static void test_slab_release_then_alloc_reuses_the_slot(void **state) {
        mf_slab_t *s = *state;
        uint32_t a = mf_slab_alloc(s);
        (void)mf_slab_alloc(s);
        mf_slab_release(s, a);
        assert_int_equal(mf_slab_live(s), 1);
        assert_int_equal(mf_slab_alloc(s), a);
        assert_int_equal(mf_slab_live(s), 2);
}

static void test_slab_reused_slot_is_zeroed(void **state) {
        mf_slab_t *s = *state;
        uint32_t a = mf_slab_alloc(s);
        rec_t *r = mf_slab_at(s, a);
        r->a = UINT64_MAX;
        r->b = 7;
        strcpy(r->name, "old contents");
        mf_slab_release(s, a);
        uint32_t b = mf_slab_alloc(s);
        assert_int_equal(b, a);
        assert_true(all_zero(mf_slab_at(s, b), sizeof(rec_t)));
}

static void test_slab_live_counts_allocs_less_releases(void **state) {
        mf_slab_t *s = *state;
        uint32_t slots[100];
        for (int i = 0; i < 100; i++)
                slots[i] = mf_slab_alloc(s);
        for (int i = 0; i < 100; i += 3)
                mf_slab_release(s, slots[i]);
        assert_int_equal(mf_slab_live(s), 100 - 34);
}

static void test_slab_growth_keeps_contents(void **state) {
        mf_slab_t *s = *state;
        enum { N = 100000 };
        uint32_t *slots = malloc(sizeof(*slots) * N);
        assert_non_null(slots);
        for (uint32_t i = 0; i < N; i++) {
                slots[i] = mf_slab_alloc(s);
                assert_int_not_equal(slots[i], MF_SLOT_NONE);
                rec_t *r = mf_slab_at(s, slots[i]);
                r->a = (uint64_t)i * 1000003u;
                r->b = i;
                snprintf(r->name, sizeof(r->name), "r%u", i);
        }
        for (uint32_t i = 0; i < N; i++) {
                const rec_t *r = mf_slab_at(s, slots[i]);
                char name[20];
                snprintf(name, sizeof(name), "r%u", i);
                assert_int_equal(r->a, (uint64_t)i * 1000003u);
                assert_int_equal(r->b, i);
                assert_string_equal(r->name, name);
        }
        assert_int_equal(mf_slab_live(s), N);
        free(slots);
}

/* Releasing everything and allocating again reuses slots: the slab does not
 * hand out new ones. */
static void test_slab_alloc_after_mass_release_does_not_extend_the_slab(void **state) {
        mf_slab_t *s = *state;
        enum { N = 5000 };
        static uint32_t slots[N];
        for (int i = 0; i < N; i++)
                slots[i] = mf_slab_alloc(s);
        uint32_t handed_out = s->len;
        for (int i = 0; i < N; i++)
                mf_slab_release(s, slots[i]);
        assert_int_equal(mf_slab_live(s), 0);
        for (int i = 0; i < N; i++) {
                uint32_t x = mf_slab_alloc(s);
                assert_true(x < handed_out);
        }
        assert_int_equal(s->len, handed_out);
        assert_int_equal(mf_slab_live(s), N);
}

static void test_slab_destroy_leaves_a_usable_empty_slab(void **state) {
        mf_slab_t *s = *state;
        for (int i = 0; i < 10; i++)
                (void)mf_slab_alloc(s);
        mf_slab_destroy(s);
        assert_int_equal(mf_slab_live(s), 0);
        assert_int_equal(s->elsize, sizeof(rec_t));
        uint32_t a = mf_slab_alloc(s);
        assert_int_not_equal(a, MF_SLOT_NONE);
        assert_true(all_zero(mf_slab_at(s, a), sizeof(rec_t)));
}

#define POOL_TEST(f) cmocka_unit_test_setup_teardown(f, setup_pool, teardown_pool)
#define SLAB_TEST(f) cmocka_unit_test_setup_teardown(f, setup_slab, teardown_slab)

int main(void) {
        const struct CMUnitTest tests[] = {
            POOL_TEST(test_strpool_round_trips_empty_string),
            POOL_TEST(test_strpool_round_trips_1_byte),
            POOL_TEST(test_strpool_round_trips_15_bytes),
            POOL_TEST(test_strpool_round_trips_16_bytes),
            POOL_TEST(test_strpool_round_trips_64_bytes),
            POOL_TEST(test_strpool_round_trips_255_bytes),
            POOL_TEST(test_strpool_rejects_256_bytes),
            POOL_TEST(test_strpool_rejects_1000_bytes),
            POOL_TEST(test_strpool_get_of_null_handle_is_empty),
            POOL_TEST(test_strpool_release_of_null_is_harmless),
            POOL_TEST(test_strpool_empty_pool_holds_no_bytes),
            POOL_TEST(test_strpool_bytes_grow_when_strings_are_added),
            POOL_TEST(test_strpool_many_live_strings_keep_their_contents),
            POOL_TEST(test_strpool_release_then_put_of_same_size_reuses_the_chunk),
            POOL_TEST(test_strpool_release_keeps_other_live_strings_intact),
            POOL_TEST(test_strpool_bytes_stay_flat_over_100000_put_release_cycles),
            POOL_TEST(test_strpool_bytes_stay_flat_with_a_turning_over_working_set),
            SLAB_TEST(test_slab_new_slab_has_no_live_slots),
            SLAB_TEST(test_slab_alloc_gives_distinct_slots),
            SLAB_TEST(test_slab_alloc_gives_a_zeroed_slot),
            SLAB_TEST(test_slab_records_do_not_overlap),
            SLAB_TEST(test_slab_release_then_alloc_reuses_the_slot),
            SLAB_TEST(test_slab_reused_slot_is_zeroed),
            SLAB_TEST(test_slab_live_counts_allocs_less_releases),
            SLAB_TEST(test_slab_growth_keeps_contents),
            SLAB_TEST(test_slab_alloc_after_mass_release_does_not_extend_the_slab),
            SLAB_TEST(test_slab_destroy_leaves_a_usable_empty_slab),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
