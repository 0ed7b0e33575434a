/*
 * Reaping a launched child and telling JavaScript how it ended: a pidfd polled by the event
 * loop, or, before Linux 5.3, a thread that blocks in waitpid.
 */
#include "common.h"

/* The JS arguments for a wait status: (exitCode | null, signalNumber | null). */
static void status_args(napi_env env, int status, napi_value args[2]) {
  if (status == -1) {
    napi_get_null(env, &args[0]);
    napi_get_null(env, &args[1]);
  } else if (WIFSIGNALED(status)) {
    napi_get_null(env, &args[0]);
    napi_create_int32(env, WTERMSIG(status), &args[1]);
  } else {
    napi_create_int32(env, WEXITSTATUS(status), &args[0]);
    napi_get_null(env, &args[1]);
  }
}

/*
 * The usual way: a pidfd polled by the event loop, readable once the child exited. No thread,
 * no signal handler: nothing else in Node waits for this pid (libuv reaps only its own).
 */
typedef struct {
  uv_poll_t poll;
  napi_env env;
  napi_ref callback;
  napi_async_context context;
  pid_t pid;
  int pidfd;
} poll_waiter_t;

static void on_poll_closed(uv_handle_t *handle) {
  poll_waiter_t *w = handle->data;
  close(w->pidfd);
  free(w);
}

static void on_pidfd(uv_poll_t *poll, int status, int events) {
  (void)status;
  (void)events;
  poll_waiter_t *w = poll->data;
  int wstatus = 0;
  pid_t r;
  do {
    r = waitpid(w->pid, &wstatus, WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == 0) return; /* not yet (spurious wake-up): keep polling */
  uv_poll_stop(poll);
  napi_env env = w->env;
  napi_handle_scope scope;
  napi_open_handle_scope(env, &scope);
  napi_value callback, resource, args[2];
  napi_get_reference_value(env, w->callback, &callback);
  napi_get_global(env, &resource);
  status_args(env, r < 0 ? -1 : wstatus, args);
  /* make_callback, not call_function: microtasks run and async hooks see it, as for any I/O. */
  napi_make_callback(env, w->context, resource, callback, 2, args, NULL);
  raise_pending(env);
  napi_close_handle_scope(env, scope);
  napi_async_destroy(env, w->context);
  napi_delete_reference(env, w->callback);
  uv_close((uv_handle_t *)poll, on_poll_closed);
}

/* Where pidfds are missing (Linux before 5.3): a thread that blocks in waitpid. */
typedef struct {
  pid_t pid;
  int status;
  napi_threadsafe_function tsfn;
} thread_waiter_t;

static void *wait_thread(void *arg) {
  thread_waiter_t *w = arg;
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, NULL);
  int status = 0;
  pid_t r;
  do {
    r = waitpid(w->pid, &status, 0);
  } while (r < 0 && errno == EINTR);
  w->status = r < 0 ? -1 : status;
  /* call_js frees w, maybe before the call below returns: keep what we still need. */
  napi_threadsafe_function tsfn = w->tsfn;
  if (napi_call_threadsafe_function(tsfn, w, napi_tsfn_blocking) != napi_ok) free(w);
  napi_release_threadsafe_function(tsfn, napi_tsfn_release);
  return NULL;
}

static void call_js(napi_env env, napi_value callback, void *context, void *data) {
  (void)context;
  thread_waiter_t *w = data;
  if (env != NULL && callback != NULL) {
    napi_value args[2], undefined;
    napi_get_undefined(env, &undefined);
    status_args(env, w->status, args);
    napi_call_function(env, undefined, callback, 2, args, NULL);
    raise_pending(env);
  }
  free(w);
}

static napi_value wait_with_thread(napi_env env, pid_t pid, napi_value callback) {
  thread_waiter_t *w = calloc(1, sizeof *w);
  if (w == NULL) return throw_errno(env, "waitExit", ENOMEM);
  w->pid = pid;
  napi_value name;
  napi_create_string_utf8(env, "troupe.waitExit", NAPI_AUTO_LENGTH, &name);
  if (napi_create_threadsafe_function(env, callback, NULL, name, 0, 1, NULL, NULL, NULL, call_js, &w->tsfn) != napi_ok) {
    free(w);
    napi_throw_error(env, "ERR_TROUPE_SPAWN", "waitExit: could not create the callback");
    return NULL;
  }
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_attr_setstacksize(&attr, 64 * 1024);
  pthread_t thread;
  int rc = pthread_create(&thread, &attr, wait_thread, w);
  pthread_attr_destroy(&attr);
  if (rc != 0) {
    napi_release_threadsafe_function(w->tsfn, napi_tsfn_abort);
    free(w);
    return throw_errno(env, "waitExit: pthread_create", rc);
  }
  return NULL;
}

/* waitExit(pid, callback(exitCode | null, signalNumber | null)): reaps pid, then calls back once. */
napi_value WaitExit(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value args[2];
  CHECK(napi_get_cb_info(env, info, &argc, args, NULL, NULL));
  int32_t pid = 0;
  if (argc < 2 || napi_get_value_int32(env, args[0], &pid) != napi_ok || pid <= 0) {
    napi_throw_type_error(env, NULL, "waitExit(pid, callback) needs a pid and a function");
    return NULL;
  }
  int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
  struct uv_loop_s *loop = NULL;
  if (pidfd < 0 || napi_get_uv_event_loop(env, &loop) != napi_ok) {
    if (pidfd >= 0) close(pidfd);
    return wait_with_thread(env, pid, args[1]);
  }
  fcntl(pidfd, F_SETFD, FD_CLOEXEC);
  poll_waiter_t *w = calloc(1, sizeof *w);
  if (w == NULL) {
    close(pidfd);
    return throw_errno(env, "waitExit", ENOMEM);
  }
  w->env = env;
  w->pid = pid;
  w->pidfd = pidfd;
  napi_value name;
  napi_create_string_utf8(env, "troupe.waitExit", NAPI_AUTO_LENGTH, &name);
  napi_create_reference(env, args[1], 1, &w->callback);
  napi_async_init(env, NULL, name, &w->context);
  w->poll.data = w;
  if (uv_poll_init(loop, &w->poll, pidfd) != 0 || uv_poll_start(&w->poll, UV_READABLE, on_pidfd) != 0) {
    napi_delete_reference(env, w->callback);
    napi_async_destroy(env, w->context);
    close(pidfd);
    free(w);
    return wait_with_thread(env, pid, args[1]);
  }
  return NULL;
}
