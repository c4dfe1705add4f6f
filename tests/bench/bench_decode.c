/*
 * bench_decode — the physical limit of the replay path: reads a MessagePack
 * stream of events and only decodes it with msgpack-c, touching nothing but
 * the object tree (each record's map size is summed so that the work cannot
 * be optimised away). Prints records, seconds and records per second.
 *
 *   build/tests/bench/bench_decode FILE
 */
#include <msgpack.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_s(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
        if (argc != 2) {
                fprintf(stderr, "usage: bench_decode FILE\n");
                return 2;
        }
        FILE *f = fopen(argv[1], "rb");
        if (!f) {
                perror(argv[1]);
                return 1;
        }
        double t0 = now_s();
        msgpack_unpacker up;
        if (!msgpack_unpacker_init(&up, 1 << 20)) {
                fprintf(stderr, "bench_decode: out of memory\n");
                return 1;
        }
        msgpack_unpacked obj;
        msgpack_unpacked_init(&obj);
        unsigned long long records = 0, fields = 0;
        for (;;) {
                if (msgpack_unpacker_buffer_capacity(&up) < (1 << 16) &&
                    !msgpack_unpacker_reserve_buffer(&up, 1 << 20)) {
                        fprintf(stderr, "bench_decode: out of memory\n");
                        return 1;
                }
                size_t n = fread(msgpack_unpacker_buffer(&up), 1,
                                 msgpack_unpacker_buffer_capacity(&up), f);
                if (n == 0)
                        break;
                msgpack_unpacker_buffer_consumed(&up, n);
                msgpack_unpack_return rc;
                while ((rc = msgpack_unpacker_next(&up, &obj)) ==
                       MSGPACK_UNPACK_SUCCESS) {
                        records++;
                        if (obj.data.type == MSGPACK_OBJECT_MAP)
                                fields += obj.data.via.map.size;
                }
                if (rc == MSGPACK_UNPACK_PARSE_ERROR) {
                        fprintf(stderr, "bench_decode: %s: not MessagePack\n", argv[1]);
                        return 1;
                }
        }
        double secs = now_s() - t0;
        msgpack_unpacked_destroy(&obj);
        msgpack_unpacker_destroy(&up);
        fclose(f);
        printf("records %llu fields %llu seconds %.3f rate %.0f\n", records, fields, secs,
               records / secs);
        return 0;
}
