/* A movesql plug-in for the tests: c_add(BIGINT, BIGINT) -> BIGINT, c_shout(VARCHAR) ->
 * VARCHAR, c_sqrt(DOUBLE) -> DOUBLE (fails on negatives), c_liar(INTEGER) -> INTEGER (appends
 * text). Compiled with -DREFUSE to call fail, with -DMOVESQL_PLUGIN_ABI_VERSION=99 to be of
 * another ABI version. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "movesql_plugin.h"

static int valid(const movesql_column *c, int64_t i) { return c->validity == 0 || c->validity[i]; }

static int32_t add(void *user, const movesql_column *args, int32_t n, int64_t rows, movesql_result *out,
                   const movesql_result_api *api, char *error, int64_t capacity) {
    const int64_t *a = args[0].values, *b = args[1].values;
    for (int64_t i = 0; i < rows; i++) {
        if (!valid(&args[0], i) || !valid(&args[1], i)) api->append_null(out);
        else api->append_bigint(out, a[i] + b[i] + *(const int64_t *)user);
    }
    return 0;
}

static int32_t shout(void *user, const movesql_column *args, int32_t n, int64_t rows, movesql_result *out,
                     const movesql_result_api *api, char *error, int64_t capacity) {
    char buffer[256];
    const char *bytes = args[0].values;
    for (int64_t i = 0; i < rows; i++) {
        if (!valid(&args[0], i)) { api->append_null(out); continue; }
        int32_t start = args[0].offsets[i], length = args[0].offsets[i + 1] - start;
        if (length > 250) { snprintf(error, capacity, "row %lld is too long to shout", (long long)i + 1); return 1; }
        for (int32_t k = 0; k < length; k++) {
            char ch = bytes[start + k];
            buffer[k] = (ch >= 'a' && ch <= 'z') ? ch - 32 : ch;
        }
        buffer[length] = '!';
        api->append_varchar(out, buffer, length + 1);
    }
    return 0;
}

static int32_t root(void *user, const movesql_column *args, int32_t n, int64_t rows, movesql_result *out,
                    const movesql_result_api *api, char *error, int64_t capacity) {
    const double *x = args[0].values;
    for (int64_t i = 0; i < rows; i++) {
        if (!valid(&args[0], i)) { api->append_null(out); continue; }
        if (x[i] < 0) { snprintf(error, capacity, "the square root of %g at row %lld", x[i], (long long)i + 1); return 1; }
        api->append_double(out, sqrt(x[i]));
    }
    return 0;
}

static int32_t liar(void *user, const movesql_column *args, int32_t n, int64_t rows, movesql_result *out,
                    const movesql_result_api *api, char *error, int64_t capacity) {
    for (int64_t i = 0; i < rows; i++) api->append_varchar(out, "no", 2);
    return 0;
}

static const int64_t offset = 1000;

uint32_t movesql_plugin_init(const movesql_registrar *r) {
    if (r->abi_version != MOVESQL_PLUGIN_ABI_VERSION) return MOVESQL_PLUGIN_ABI_VERSION;
#ifdef REFUSE
    r->fail(r->host, "the test plug-in refuses to load");
#endif
    int32_t two_bigints[] = {MOVESQL_TYPE_BIGINT, MOVESQL_TYPE_BIGINT}, one_text[] = {MOVESQL_TYPE_VARCHAR};
    int32_t one_double[] = {MOVESQL_TYPE_DOUBLE}, one_int[] = {MOVESQL_TYPE_INTEGER};
    r->register_scalar(r->host, "c_add", two_bigints, 2, MOVESQL_TYPE_BIGINT, add, (void *)&offset);
    r->register_scalar(r->host, "c_shout", one_text, 1, MOVESQL_TYPE_VARCHAR, shout, 0);
    r->register_scalar(r->host, "c_sqrt", one_double, 1, MOVESQL_TYPE_DOUBLE, root, 0);
    r->register_scalar(r->host, "c_liar", one_int, 1, MOVESQL_TYPE_INTEGER, liar, 0);
    return MOVESQL_PLUGIN_ABI_VERSION;
}
