/*
 * What the launcher's files share: the headers, the CHECK of an N-API call, and the helpers
 * that throw an errno as a coded Error and raise a callback's pending exception.
 */
#ifndef TROUPE_SPAWN_COMMON_H
#define TROUPE_SPAWN_COMMON_H

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <node_api.h>
#include <sys/syscall.h>
#include <uv.h>

#define CHECK(call)                                                        \
  do {                                                                     \
    if ((call) != napi_ok) {                                               \
      napi_throw_error(env, "ERR_TROUPE_SPAWN", "N-API call failed: " #call); \
      return NULL;                                                         \
    }                                                                      \
  } while (0)

/* Throws an Error "<what>: <strerror>" with code ENOENT/EACCES/ENOTDIR/ESPAWN; returns NULL. */
napi_value throw_errno(napi_env env, const char *what, int err);

/* Raises an exception a loop callback left pending as an uncaught exception (common.c). */
void raise_pending(napi_env env);

/* The exports of wait-exit.c and read-output.c, registered by spawn.c. */
napi_value WaitExit(napi_env env, napi_callback_info info);
napi_value ReadOutput(napi_env env, napi_callback_info info);
napi_value StopOutput(napi_env env, napi_callback_info info);

#endif
