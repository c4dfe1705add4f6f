/*
 * mf_files.h — the data files the binary reads besides events: the
 * working-day calendar and the per-authority population.
 */
#ifndef MF_FILES_H
#define MF_FILES_H

#include <stdio.h>

#include "mf_calendar.h"
#include "mf_pipeline.h"

/* Reads a whole file into a NUL-terminated buffer the caller frees. NULL with
 * errbuf set ("PATH: why") on failure. */
char *mf_file_read(const char *path, size_t *len, char *errbuf, size_t errlen);

/* The calendar a command uses when none is named: the installed one if it
 * exists, else the one in the source tree the binary was built from. */
const char *mf_default_calendar_path(void);
/* Loads a calendar file; NULL with errbuf "PATH:line N: why" on failure. */
mf_calendar_t *mf_calendar_from_file(const char *path, char *errbuf, size_t errlen);

/* Reads a population CSV: a header line, then "la,population" lines, and sets
 * each authority's population on the pipeline. errbuf "PATH:line N: why". */
mf_err_t mf_population_load(mf_pipeline_t *p, const char *path, char *errbuf,
                            size_t errlen);

#endif
