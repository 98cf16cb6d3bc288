#include "cmalloc.h"
#include <stdlib.h>

#if defined(__GLIBC__)
struct ember_malloc_setting {
    const char *variable;
    int parameter;
    int value;
};

// Values and reasons: Sources/EmberServer/MallocTuning.swift.
static const struct ember_malloc_setting settings[] = {
    {"MALLOC_MMAP_THRESHOLD_", M_MMAP_THRESHOLD, 4 << 20},
    {"MALLOC_TRIM_THRESHOLD_", M_TRIM_THRESHOLD, 4 << 20},
    {"MALLOC_ARENA_MAX", M_ARENA_MAX, 1},
};
static const int setting_count = (int)(sizeof(settings) / sizeof(settings[0]));
#else
static const int setting_count = 0;
#endif

static unsigned applied_at_load = 0;

int ember_malloc_setting_count(void) { return setting_count; }

const char *ember_malloc_setting_variable(int index) {
#if defined(__GLIBC__)
    if (index >= 0 && index < setting_count) return settings[index].variable;
#endif
    (void)index;
    return "";
}

int ember_malloc_setting_apply(int index) {
#if defined(__GLIBC__)
    if (index >= 0 && index < setting_count) return mallopt(settings[index].parameter, settings[index].value) == 1;
#endif
    (void)index;
    return 0;
}

unsigned ember_malloc_settings_applied_at_load(void) { return applied_at_load; }

__attribute__((constructor)) static void ember_malloc_tuning_at_load(void) {
    for (int index = 0; index < setting_count; index++) {
        if (getenv(ember_malloc_setting_variable(index)) != NULL) continue;
        if (ember_malloc_setting_apply(index)) applied_at_load |= 1u << index;
    }
}
