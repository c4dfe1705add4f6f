/*
 * fuzz_check.h — FUZZ_CHECK(cond): a property every fuzz target asserts. A
 * failure prints where and what, then aborts, which libFuzzer reports as a
 * crash with the input that caused it.
 */
#ifndef FUZZ_CHECK_H
#define FUZZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#define FUZZ_CHECK(cond)                                                                 \
        do {                                                                             \
                if (!(cond)) {                                                           \
                        fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, \
                                #cond);                                                  \
                        abort();                                                         \
                }                                                                        \
        } while (0)

#endif
