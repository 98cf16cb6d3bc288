// Ember's glibc malloc settings (see Sources/EmberServer/MallocTuning.swift), applied by a
// constructor when the program is loaded, before any thread exists: glibc fixes the arena limit
// the first time a second thread allocates, so a setting made later from Swift comes too late.
#ifndef EMBER_CMALLOC_H
#define EMBER_CMALLOC_H

#if defined(__GLIBC__) || defined(__linux__)
#include <malloc.h>
#endif

/// Number of settings.
int ember_malloc_setting_count(void);
/// glibc's environment variable for setting `index` (an operator's own value wins over Ember's).
const char *ember_malloc_setting_variable(int index);
/// Applies setting `index` with mallopt; returns 1 on success, 0 otherwise (or without glibc).
int ember_malloc_setting_apply(int index);
/// The settings the load-time constructor applied, one bit per index.
unsigned ember_malloc_settings_applied_at_load(void);

#endif
