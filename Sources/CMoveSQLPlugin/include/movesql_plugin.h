/*
 * movesql plug-ins: a shared library that adds scalar functions to movesql, loaded with
 * `LOAD 'path/libname.so'` or `movesql --load path/libname.so`.
 *
 * The library exports one function, movesql_plugin_init. movesql calls it once with a
 * registrar; the plug-in checks registrar->abi_version against the MOVESQL_PLUGIN_ABI_VERSION it
 * was compiled with, registers its functions through registrar->register_scalar, and returns
 * MOVESQL_PLUGIN_ABI_VERSION. movesql refuses the plug-in (and every function it registered)
 * when the version returned differs from its own, or when the plug-in called registrar->fail.
 *
 * A function receives its arguments as columns of `rows` values and appends exactly `rows`
 * results through the result API; it returns 0, or nonzero after writing a message (NUL
 * terminated, at most error_capacity bytes) into `error`, which movesql reports naming the
 * function. Columns and their buffers are valid only during the call.
 */
#ifndef MOVESQL_PLUGIN_H
#define MOVESQL_PLUGIN_H

#include <stdint.h>

#ifndef MOVESQL_PLUGIN_ABI_VERSION
#define MOVESQL_PLUGIN_ABI_VERSION 1
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Value types of arguments and results. */
enum {
    MOVESQL_TYPE_BOOLEAN = 1, /* values: uint8_t, 0 or 1 */
    MOVESQL_TYPE_INTEGER = 2, /* values: int32_t */
    MOVESQL_TYPE_BIGINT = 3,  /* values: int64_t */
    MOVESQL_TYPE_DOUBLE = 4,  /* values: double */
    MOVESQL_TYPE_VARCHAR = 5, /* values: UTF-8 bytes; offsets: rows + 1 int32_t, value i is [offsets[i], offsets[i+1]) */
};

typedef struct movesql_column {
    int32_t type;
    int64_t rows;
    /* One byte per row, 1 = a value, 0 = NULL; NULL pointer when every row has a value. */
    const uint8_t *validity;
    const void *values;
    const int32_t *offsets;
} movesql_column;

/* The result being built (opaque), and how to append to it, one call per row. */
typedef struct movesql_result movesql_result;
typedef struct movesql_result_api {
    void (*append_null)(movesql_result *result);
    void (*append_boolean)(movesql_result *result, int32_t value);
    void (*append_integer)(movesql_result *result, int32_t value);
    void (*append_bigint)(movesql_result *result, int64_t value);
    void (*append_double)(movesql_result *result, double value);
    void (*append_varchar)(movesql_result *result, const char *bytes, int64_t length);
} movesql_result_api;

typedef int32_t (*movesql_scalar_fn)(void *user_data, const movesql_column *arguments, int32_t argument_count, int64_t rows,
                                     movesql_result *result, const movesql_result_api *api, char *error, int64_t error_capacity);

typedef struct movesql_registrar {
    /* The ABI version of the movesql loading the plug-in. */
    uint32_t abi_version;
    void *host;
    /* Returns 0, or nonzero when the name or the types are refused (see fail's message). */
    int32_t (*register_scalar)(void *host, const char *name, const int32_t *argument_types, int32_t argument_count,
                               int32_t return_type, movesql_scalar_fn function, void *user_data);
    /* Refuses the plug-in, with a reason. */
    void (*fail)(void *host, const char *message);
} movesql_registrar;

/* The one entry point. Returns the MOVESQL_PLUGIN_ABI_VERSION the plug-in was built with. */
uint32_t movesql_plugin_init(const movesql_registrar *registrar);

#ifdef __cplusplus
}
#endif

#endif
