/* mf_buf: the growable byte buffer behind every encoder. */
#include "mf_test_util.h"

#include <stdio.h>
#include <stdlib.h>

#include <msgpack.h>

#include "mf_buf.h"

/* The buffer's bytes as a NUL-terminated copy, to compare with literals. */
static void assert_buf_eq(const mf_buf_t *b, const char *expect, size_t n) {
        assert_int_equal(b->len, n);
        if (n)
                assert_memory_equal(b->data, expect, n);
}

#define ASSERT_BUF_LIT(b, lit) assert_buf_eq((b), (lit), sizeof(lit) - 1)

/* Appends s with mf_buf_json_str to an empty buffer. */
static void json_str(mf_buf_t *b, const char *s, size_t n) {
        mf_buf_reset(b);
        assert_int_equal(mf_buf_json_str(b, s, n), MF_OK);
}

static void test_init_gives_an_empty_buffer(void **state) {
        (void)state;
        mf_buf_t b;
        memset(&b, 0xa5, sizeof(b));
        mf_buf_init(&b);
        assert_int_equal(b.len, 0);
        assert_int_equal(b.cap, 0);
        assert_null(b.data);
        mf_buf_destroy(&b);
}

static void test_append_copies_bytes_in_order(void **state) {
        (void)state;
        mf_buf_t b;
        mf_buf_init(&b);
        assert_int_equal(mf_buf_append(&b, "abc", 3), MF_OK);
        assert_int_equal(mf_buf_append(&b, "de", 2), MF_OK);
        ASSERT_BUF_LIT(&b, "abcde");
        mf_buf_destroy(&b);
}

static void test_append_of_zero_bytes_changes_nothing(void **state) {
        (void)state;
        mf_buf_t b;
        mf_buf_init(&b);
        assert_int_equal(mf_buf_append(&b, "x", 1), MF_OK);
        assert_int_equal(mf_buf_append(&b, NULL, 0), MF_OK);
        ASSERT_BUF_LIT(&b, "x");
        mf_buf_destroy(&b);
}

static void test_append_byte_by_byte_grows_and_keeps_every_byte(void **state) {
        (void)state;
        mf_buf_t b;
        mf_buf_init(&b);
        for (int i = 0; i < 10000; i++)
                assert_int_equal(mf_buf_putc(&b, (char)('a' + i % 26)), MF_OK);
        assert_int_equal(b.len, 10000);
        assert_true(b.cap >= 10000);
        for (int i = 0; i < 10000; i++)
                assert_int_equal(b.data[i], 'a' + i % 26);
        mf_buf_destroy(&b);
}

static void test_append_of_a_large_block_grows_at_once(void **state) {
        (void)state;
        size_t n = 1000003;
        char *src = malloc(n);
        assert_non_null(src);
        for (size_t i = 0; i < n; i++)
                src[i] = (char)(i * 7);
        mf_buf_t b;
        mf_buf_init(&b);
        assert_int_equal(mf_buf_append(&b, "<", 1), MF_OK);
        assert_int_equal(mf_buf_append(&b, src, n), MF_OK);
        assert_int_equal(b.len, n + 1);
        assert_true(b.cap >= n + 1);
        assert_int_equal(b.data[0], '<');
        assert_memory_equal(b.data + 1, src, n);
        mf_buf_destroy(&b);
        free(src);
}

static void test_reserve_makes_room_without_changing_length(void **state) {
        (void)state;
        mf_buf_t b;
        mf_buf_init(&b);
        assert_int_equal(mf_buf_append(&b, "ab", 2), MF_OK);
        assert_int_equal(mf_buf_reserve(&b, 5000), MF_OK);
        assert_int_equal(b.len, 2);
        assert_true(b.cap - b.len >= 5000);
        assert_memory_equal(b.data, "ab", 2);
        mf_buf_destroy(&b);
}

static void test_reset_empties_but_keeps_the_allocation(void **state) {
        (void)state;
        mf_buf_t b;
        mf_buf_init(&b);
        assert_int_equal(mf_buf_append(&b, "hello", 5), MF_OK);
        char *data = b.data;
        size_t cap = b.cap;
        mf_buf_reset(&b);
        assert_int_equal(b.len, 0);
        assert_ptr_equal(b.data, data);
        assert_int_equal(b.cap, cap);
        assert_int_equal(mf_buf_append(&b, "xy", 2), MF_OK);
        ASSERT_BUF_LIT(&b, "xy");
        assert_ptr_equal(b.data, data);
        mf_buf_destroy(&b);
}

static void test_printf_appends_formatted_text(void **state) {
        (void)state;
        mf_buf_t b;
        mf_buf_init(&b);
        assert_int_equal(mf_buf_append(&b, "k=", 2), MF_OK);
        assert_int_equal(mf_buf_printf(&b, "%d:%s:%lld", 42, "x", -7LL), MF_OK);
        ASSERT_BUF_LIT(&b, "k=42:x:-7");
        mf_buf_destroy(&b);
}

/* A formatted result of exactly 255 bytes fits the encoder's stack buffer;
 * 256 and more take the second path. Both must give the same bytes. */
static void check_printf_of_length(size_t n) {
        char *s = malloc(n + 1);
        assert_non_null(s);
        for (size_t i = 0; i < n; i++)
                s[i] = (char)('A' + i % 26);
        s[n] = '\0';
        mf_buf_t b;
        mf_buf_init(&b);
        assert_int_equal(mf_buf_append(&b, "[", 1), MF_OK);
        assert_int_equal(mf_buf_printf(&b, "%s", s), MF_OK);
        assert_int_equal(mf_buf_append(&b, "]", 1), MF_OK);
        assert_int_equal(b.len, n + 2);
        assert_int_equal(b.data[0], '[');
        assert_memory_equal(b.data + 1, s, n);
        assert_int_equal(b.data[n + 1], ']');
        mf_buf_destroy(&b);
        free(s);
}

static void test_printf_of_255_bytes(void **state) {
        (void)state;
        check_printf_of_length(255);
}

static void test_printf_of_256_bytes(void **state) {
        (void)state;
        check_printf_of_length(256);
}

static void test_printf_longer_than_the_buffer_capacity_grows(void **state) {
        (void)state;
        check_printf_of_length(70000);
}

static void test_printf_into_a_nearly_full_buffer_grows(void **state) {
        (void)state;
        mf_buf_t b;
        mf_buf_init(&b);
        assert_int_equal(mf_buf_reserve(&b, 1), MF_OK);
        size_t fill = b.cap - 3;
        for (size_t i = 0; i < fill; i++)
                assert_int_equal(mf_buf_putc(&b, '.'), MF_OK);
        assert_int_equal(mf_buf_printf(&b, "%s-%d", "abcdefgh", 12345), MF_OK);
        assert_int_equal(b.len, fill + 14);
        assert_memory_equal(b.data + fill, "abcdefgh-12345", 14);
        mf_buf_destroy(&b);
}

static void test_json_str_of_plain_text_is_quoted(void **state) {
        (void)state;
        mf_buf_t b;
        mf_buf_init(&b);
        json_str(&b, "abc 123", 7);
        ASSERT_BUF_LIT(&b, "\"abc 123\"");
        mf_buf_destroy(&b);
}

static void test_json_str_of_empty_string_is_two_quotes(void **state) {
        (void)state;
        mf_buf_t b;
        mf_buf_init(&b);
        json_str(&b, "", 0);
        ASSERT_BUF_LIT(&b, "\"\"");
        mf_buf_destroy(&b);
}

static void test_json_str_escapes_quote(void **state) {
        (void)state;
        mf_buf_t b;
        mf_buf_init(&b);
        json_str(&b, "a\"b", 3);
        ASSERT_BUF_LIT(&b, "\"a\\\"b\"");
        mf_buf_destroy(&b);
}

static void test_json_str_escapes_backslash(void **state) {
        (void)state;
        mf_buf_t b;
        mf_buf_init(&b);
        json_str(&b, "a\\b", 3);
        ASSERT_BUF_LIT(&b, "\"a\\\\b\"");
        mf_buf_destroy(&b);
}

static void test_json_str_escapes_newline_return_and_tab(void **state) {
        (void)state;
        mf_buf_t b;
        mf_buf_init(&b);
        json_str(&b, "\n\r\t", 3);
        ASSERT_BUF_LIT(&b, "\"\\n\\r\\t\"");
        mf_buf_destroy(&b);
}

static void test_json_str_escapes_other_control_chars_as_u00xx(void **state) {
        (void)state;
        mf_buf_t b;
        mf_buf_init(&b);
        json_str(&b, "\x01", 1);
        ASSERT_BUF_LIT(&b, "\"\\u0001\"");
        json_str(&b, "\x1f", 1);
        ASSERT_BUF_LIT(&b, "\"\\u001f\"");
        json_str(&b, "\x08\x0c", 2);
        /* \b and \f may be written short (\b, 2 bytes) or long (\u0008,
         * 6 bytes); either way both must be escaped. */
        assert_true(b.len == 2 + 4 || b.len == 2 + 8 || b.len == 2 + 12);
        assert_null(memchr(b.data, '\x08', b.len));
        assert_null(memchr(b.data, '\x0c', b.len));
        mf_buf_destroy(&b);
}

static void test_json_str_escapes_nul_byte(void **state) {
        (void)state;
        mf_buf_t b;
        mf_buf_init(&b);
        json_str(&b, "a\0b", 3);
        ASSERT_BUF_LIT(&b, "\"a\\u0000b\"");
        mf_buf_destroy(&b);
}

static void test_json_str_passes_utf8_through(void **state) {
        (void)state;
        mf_buf_t b;
        mf_buf_init(&b);
        /* é (2 bytes), € (3 bytes), 😀 (4 bytes), DEL: none needs escaping. */
        static const char s[] = "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\x7f";
        json_str(&b, s, sizeof(s) - 1);
        ASSERT_BUF_LIT(&b, "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\x7f\"");
        mf_buf_destroy(&b);
}

static void test_json_str_passes_slash_through(void **state) {
        (void)state;
        mf_buf_t b;
        mf_buf_init(&b);
        json_str(&b, "a/b", 3);
        ASSERT_BUF_LIT(&b, "\"a/b\"");
        mf_buf_destroy(&b);
}

static void test_json_str_appends_after_existing_content(void **state) {
        (void)state;
        mf_buf_t b;
        mf_buf_init(&b);
        assert_int_equal(mf_buf_append(&b, "{", 1), MF_OK);
        assert_int_equal(mf_buf_json_str(&b, "k", 1), MF_OK);
        assert_int_equal(mf_buf_putc(&b, ':'), MF_OK);
        assert_int_equal(mf_buf_json_str(&b, "\"", 1), MF_OK);
        ASSERT_BUF_LIT(&b, "{\"k\":\"\\\"\"");
        mf_buf_destroy(&b);
}

static void test_json_str_of_a_long_string_of_escapes_grows(void **state) {
        (void)state;
        /* Every byte needs 6 output bytes: the reservation for n + 2 is not
         * enough, so the escapes themselves must grow the buffer. */
        size_t n = 5000;
        char *s = malloc(n);
        assert_non_null(s);
        memset(s, 0x02, n);
        mf_buf_t b;
        mf_buf_init(&b);
        assert_int_equal(mf_buf_json_str(&b, s, n), MF_OK);
        assert_int_equal(b.len, 6 * n + 2);
        assert_int_equal(b.data[0], '"');
        assert_int_equal(b.data[6 * n + 1], '"');
        for (size_t i = 0; i < n; i++)
                assert_memory_equal(b.data + 1 + 6 * i, "\\u0002", 6);
        mf_buf_destroy(&b);
        free(s);
}

static void test_msgpack_write_callback_appends_packed_bytes(void **state) {
        (void)state;
        mf_buf_t b;
        mf_buf_init(&b);
        assert_int_equal(mf_buf_append(&b, "#", 1), MF_OK);
        msgpack_packer pk;
        msgpack_packer_init(&pk, &b, mf_buf_msgpack_write);
        assert_int_equal(msgpack_pack_map(&pk, 1), 0);
        assert_int_equal(msgpack_pack_str_with_body(&pk, "a", 1), 0);
        assert_int_equal(msgpack_pack_int(&pk, 42), 0);
        /* # fixmap(1) fixstr(1) 'a' positive fixint 42 */
        ASSERT_BUF_LIT(&b, "#\x81\xa1"
                           "a\x2a");
        mf_buf_destroy(&b);
}

int main(void) {
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_init_gives_an_empty_buffer),
            cmocka_unit_test(test_append_copies_bytes_in_order),
            cmocka_unit_test(test_append_of_zero_bytes_changes_nothing),
            cmocka_unit_test(test_append_byte_by_byte_grows_and_keeps_every_byte),
            cmocka_unit_test(test_append_of_a_large_block_grows_at_once),
            cmocka_unit_test(test_reserve_makes_room_without_changing_length),
            cmocka_unit_test(test_reset_empties_but_keeps_the_allocation),
            cmocka_unit_test(test_printf_appends_formatted_text),
            cmocka_unit_test(test_printf_of_255_bytes),
            cmocka_unit_test(test_printf_of_256_bytes),
            cmocka_unit_test(test_printf_longer_than_the_buffer_capacity_grows),
            cmocka_unit_test(test_printf_into_a_nearly_full_buffer_grows),
            cmocka_unit_test(test_json_str_of_plain_text_is_quoted),
            cmocka_unit_test(test_json_str_of_empty_string_is_two_quotes),
            cmocka_unit_test(test_json_str_escapes_quote),
            cmocka_unit_test(test_json_str_escapes_backslash),
            cmocka_unit_test(test_json_str_escapes_newline_return_and_tab),
            cmocka_unit_test(test_json_str_escapes_other_control_chars_as_u00xx),
            cmocka_unit_test(test_json_str_escapes_nul_byte),
            cmocka_unit_test(test_json_str_passes_utf8_through),
            cmocka_unit_test(test_json_str_passes_slash_through),
            cmocka_unit_test(test_json_str_appends_after_existing_content),
            cmocka_unit_test(test_json_str_of_a_long_string_of_escapes_grows),
            cmocka_unit_test(test_msgpack_write_callback_appends_packed_bytes),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
