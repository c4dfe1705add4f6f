/* The shared types: string views and error texts. */
#include "mf_test_util.h"

#include <stdint.h>
#include <stdlib.h>

static void test_views_compare_by_content_not_pointer(void **state) {
        MF_UNUSED(state);
        char a[] = "302", b[] = "302x";
        assert_true(mf_str_eq(mf_str(a, 3), mf_str(b, 3)));
        assert_false(mf_str_eq(mf_str(a, 3), mf_str(b, 4)));
        assert_true(mf_str_eq(MF_STR_NULL, mf_str(b, 0)));
        assert_true(mf_str_eq_cstr(MF_STR_LIT("la"), "la"));
        assert_false(mf_str_eq_cstr(MF_STR_LIT("la"), "l"));
}

static void test_every_error_has_its_own_text(void **state) {
        MF_UNUSED(state);
        const mf_err_t errs[] = {MF_OK, MF_ERR_NOMEM, MF_ERR_INVALID, MF_ERR_IO,
                                 MF_ERR_RANGE};
        for (size_t i = 0; i < MF_ARRAY_LEN(errs); i++)
                for (size_t j = i + 1; j < MF_ARRAY_LEN(errs); j++)
                        assert_string_not_equal(mf_err_str(errs[i]), mf_err_str(errs[j]));
        assert_string_equal(mf_err_str(MF_ERR_NOMEM), "out of memory");
}

/* Tables come zeroed, and large ones 2 MiB aligned (for huge pages). */
static void test_tables_are_zeroed_and_large_ones_aligned(void **state) {
        MF_UNUSED(state);
        const size_t mib = (size_t)1 << 20;
        unsigned char *small = mf_table_alloc(1000);
        assert_non_null(small);
        for (size_t i = 0; i < 1000; i++)
                assert_int_equal(small[i], 0);
        free(small);
        unsigned char *zeroed = mf_table_alloc(4 * mib + 1);
        assert_non_null(zeroed);
        assert_int_equal((uintptr_t)zeroed % (2 * mib), 0);
        for (size_t i = 0; i < 4 * mib + 1; i += 4093)
                assert_int_equal(zeroed[i], 0);
        assert_int_equal(zeroed[4 * mib], 0);
        free(zeroed);
}

int main(void) {
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_views_compare_by_content_not_pointer),
            cmocka_unit_test(test_every_error_has_its_own_text),
            cmocka_unit_test(test_tables_are_zeroed_and_large_ones_aligned),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
