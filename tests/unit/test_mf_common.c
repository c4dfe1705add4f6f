/* The shared types: string views and error texts. */
#include "mf_test_util.h"

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

int main(void) {
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_views_compare_by_content_not_pointer),
            cmocka_unit_test(test_every_error_has_its_own_text),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
