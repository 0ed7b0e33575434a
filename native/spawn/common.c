/* The helpers the launcher's files share (see common.h). */
#include "common.h"

napi_value throw_errno(napi_env env, const char *what, int err) {
  char message[512];
  snprintf(message, sizeof message, "%s: %s", what, strerror(err));
  napi_value code, msg, error;
  napi_create_string_utf8(env, err == ENOENT ? "ENOENT" : err == EACCES ? "EACCES" : err == ENOTDIR ? "ENOTDIR" : "ESPAWN", NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &msg);
  napi_create_error(env, code, msg, &error);
  napi_throw(env, error);
  return NULL;
}

/*
 * A callback from the loop that threw (or whose microtasks and ticks threw: they run before
 * napi_make_callback returns) leaves the exception pending with no JavaScript frame to take
 * it: raise it as uncaught, as Node does for its own callbacks, so the program's crash
 * handling runs instead of the exception being lost.
 */
void raise_pending(napi_env env) {
  bool pending = false;
  if (napi_is_exception_pending(env, &pending) != napi_ok || !pending) return;
  napi_value error;
  if (napi_get_and_clear_last_exception(env, &error) == napi_ok) napi_fatal_exception(env, error);
}
