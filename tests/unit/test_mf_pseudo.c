/* mf_pseudo: HMAC-SHA-256 pseudonyms and the key file's checks. */
#include "mf_test_util.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mf_pseudo.h"

/* RFC 4231, test case 2: key "Jefe". */
static void test_apply_matches_rfc4231(void **state) {
        (void)state;
        mf_pseudo_t p = {.key = "Jefe", .key_len = 4};
        char out[MF_PSEUDO_LEN + 1];
        const char *data = "what do ya want for nothing?";
        mf_pseudo_apply(&p, mf_str(data, strlen(data)), out);
        assert_string_equal(
            out, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

static void test_apply_differs_by_id_and_by_key(void **state) {
        (void)state;
        mf_pseudo_t a = {.key = "0123456789abcdef", .key_len = 16};
        mf_pseudo_t b = {.key = "0123456789abcdeF", .key_len = 16};
        char x[MF_PSEUDO_LEN + 1], y[MF_PSEUDO_LEN + 1], z[MF_PSEUDO_LEN + 1];
        mf_pseudo_apply(&a, mf_str("S001-c1", 7), x);
        mf_pseudo_apply(&a, mf_str("S001-c2", 7), y);
        mf_pseudo_apply(&b, mf_str("S001-c1", 7), z);
        assert_string_not_equal(x, y);
        assert_string_not_equal(x, z);
        mf_pseudo_apply(&a, mf_str("S001-c1", 7), y);
        assert_string_equal(x, y); /* stable */
}

/* Writes content to a fresh file with the given mode; returns its path. */
static const char *key_file(const char *content, mode_t mode) {
        static char path[64];
        snprintf(path, sizeof(path), "/tmp/mf_pseudo_test.XXXXXX");
        int fd = mkstemp(path);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, content, strlen(content)), (ssize_t)strlen(content));
        assert_int_equal(fchmod(fd, mode), 0);
        close(fd);
        return path;
}

static void test_load_accepts_owner_only_and_drops_one_newline(void **state) {
        (void)state;
        const char *path = key_file("0123456789abcdef0123456789abcdef\n", 0600);
        mf_pseudo_t p;
        char why[256] = "";
        assert_int_equal(mf_pseudo_load(&p, path, why, sizeof(why)), MF_OK);
        assert_int_equal(p.key_len, 32);
        assert_memory_equal(p.key, "0123456789abcdef0123456789abcdef", 32);
        mf_pseudo_clear(&p);
        assert_int_equal(p.key_len, 0);
        unlink(path);
}

static void test_load_refuses_group_or_world_permissions(void **state) {
        (void)state;
        const mode_t modes[] = {0640, 0604, 0620, 0644, 0660};
        for (size_t i = 0; i < MF_ARRAY_LEN(modes); i++) {
                const char *path = key_file("0123456789abcdef0123456789abcdef", modes[i]);
                mf_pseudo_t p;
                char why[256] = "";
                assert_int_equal(mf_pseudo_load(&p, path, why, sizeof(why)),
                                 MF_ERR_INVALID);
                assert_non_null(strstr(why, "owner only"));
                assert_int_equal(p.key_len, 0);
                unlink(path);
        }
}

static void test_load_refuses_short_missing_and_non_regular(void **state) {
        (void)state;
        mf_pseudo_t p;
        char why[256] = "";
        const char *path = key_file("short-key\n", 0600);
        assert_int_equal(mf_pseudo_load(&p, path, why, sizeof(why)), MF_ERR_INVALID);
        assert_non_null(strstr(why, "at least 16"));
        assert_null(strstr(why, "short-key")); /* no key material in messages */
        unlink(path);
        assert_int_equal(mf_pseudo_load(&p, path, why, sizeof(why)), MF_ERR_IO);
        assert_non_null(strstr(why, "cannot open"));
        char dir[] = "/tmp/mf_pseudo_dir.XXXXXX";
        assert_non_null(mkdtemp(dir));
        chmod(dir, 0700);
        assert_int_equal(mf_pseudo_load(&p, dir, why, sizeof(why)), MF_ERR_INVALID);
        assert_non_null(strstr(why, "not a regular file"));
        rmdir(dir);
}

int main(void) {
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_apply_matches_rfc4231),
            cmocka_unit_test(test_apply_differs_by_id_and_by_key),
            cmocka_unit_test(test_load_accepts_owner_only_and_drops_one_newline),
            cmocka_unit_test(test_load_refuses_group_or_world_permissions),
            cmocka_unit_test(test_load_refuses_short_missing_and_non_regular),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
