/*
 * troupe's fast launch path: posix_spawn (glibc runs it as clone(CLONE_VM|CLONE_VFORK), so
 * the orchestrator's large image is never copied) of a program in a session and process
 * group of its own, with a pipe for stdin and one for its output (stdout and stderr share
 * it), its cwd and environment; its start time read at once; and a pidfd (or, on old
 * kernels, a waiter thread) that reaps it and reports its exit to JavaScript.
 *
 * Why not child_process: libuv forks the whole Node image for each child (about 2 ms on a
 * loaded 2-core machine), which is most of what a short command costs.
 */
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

extern char **environ;

#define CHECK(call)                                                        \
  do {                                                                     \
    if ((call) != napi_ok) {                                               \
      napi_throw_error(env, "ERR_TROUPE_SPAWN", "N-API call failed: " #call); \
      return NULL;                                                         \
    }                                                                      \
  } while (0)

/* A JS string as a malloc'ed C string (NULL on failure). */
static char *get_string(napi_env env, napi_value value) {
  size_t len = 0;
  if (napi_get_value_string_utf8(env, value, NULL, 0, &len) != napi_ok) return NULL;
  char *buf = malloc(len + 1);
  if (buf == NULL) return NULL;
  if (napi_get_value_string_utf8(env, value, buf, len + 1, &len) != napi_ok) {
    free(buf);
    return NULL;
  }
  return buf;
}

/* A JS array of strings as a NULL-terminated C array. */
static char **get_string_array(napi_env env, napi_value array) {
  uint32_t n = 0;
  if (napi_get_array_length(env, array, &n) != napi_ok) return NULL;
  char **out = calloc(n + 1, sizeof(char *));
  if (out == NULL) return NULL;
  for (uint32_t i = 0; i < n; i++) {
    napi_value item;
    if (napi_get_element(env, array, i, &item) != napi_ok || (out[i] = get_string(env, item)) == NULL) {
      for (uint32_t j = 0; j < i; j++) free(out[j]);
      free(out);
      return NULL;
    }
  }
  return out;
}

static void free_string_array(char **array) {
  if (array == NULL) return;
  for (char **p = array; *p != NULL; p++) free(*p);
  free(array);
}

static void close_pair(int fds[2]) {
  if (fds[0] >= 0) close(fds[0]);
  if (fds[1] >= 0) close(fds[1]);
}

static napi_value throw_errno(napi_env env, const char *what, int err) {
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
 * Field 22 of /proc/<pid>/stat (start time, clock ticks since boot) into out, "" when it cannot
 * be read. Read here, in one open/read/close, rather than by a readFileSync in JavaScript: it
 * is on the path of every launch, before the go line.
 */
static void read_start_time(pid_t pid, char *out, size_t size) {
  out[0] = '\0';
  char path[64], stat[1024];
  snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  ssize_t n;
  do {
    n = read(fd, stat, sizeof stat - 1);
  } while (n < 0 && errno == EINTR);
  close(fd);
  if (n <= 0) return;
  stat[n] = '\0';
  /* comm (field 2) may hold spaces and ')': the last ')' closes it; field 3 follows. */
  char *p = strrchr(stat, ')');
  if (p == NULL) return;
  p += 2;
  for (int field = 3; field < 22 && *p != '\0'; field++) {
    p = strchr(p, ' ');
    if (p == NULL) return;
    p++;
  }
  size_t len = strcspn(p, " \n");
  if (len == 0 || len >= size) return;
  memcpy(out, p, len);
  out[len] = '\0';
}

/* The length of an environment entry's name ("NAME=value" -> 4). */
static size_t name_len(const char *entry) {
  const char *eq = strchr(entry, '=');
  return eq == NULL ? strlen(entry) : (size_t)(eq - entry);
}

/*
 * Our environment with `overrides` ("NAME=value") on top, as execa's extendEnv does: a
 * NULL-terminated array of pointers into environ and overrides (nothing copied). Built here
 * from environ, which process.env writes through to (setenv), because copying process.env
 * into JavaScript strings on every launch cost more than the rest of the launch's JavaScript.
 */
static char **merge_env(char **overrides) {
  size_t n_env = 0, n_over = 0;
  for (char **p = environ; p != NULL && *p != NULL; p++) n_env++;
  for (char **p = overrides; *p != NULL; p++) n_over++;
  char **out = calloc(n_env + n_over + 1, sizeof(char *));
  if (out == NULL) return NULL;
  size_t k = 0;
  for (size_t i = 0; i < n_env; i++) {
    const char *entry = environ[i];
    size_t len = name_len(entry);
    int overridden = 0;
    for (size_t j = 0; j < n_over && !overridden; j++) overridden = name_len(overrides[j]) == len && strncmp(overrides[j], entry, len) == 0;
    if (!overridden) out[k++] = (char *)entry;
  }
  for (size_t j = 0; j < n_over; j++) out[k++] = overrides[j];
  out[k] = NULL;
  return out;
}

/*
 * spawn(file, argv, env, cwd) -> [pid, stdinFd, outputFd, startTime]
 * env holds "NAME=value" entries set over our own environment.
 * file is looked up on PATH (posix_spawnp); the child leads a new session (pgid = pid). Its
 * stdout and stderr are one pipe: the actor keeps them as one stream anyway, and one pipe is
 * one fd to watch and one end-of-file to wait for, not two. startTime is field 22 of its
 * /proc/<pid>/stat ("" if unreadable). Throws with code ENOENT/EACCES/ENOTDIR/ESPAWN when it
 * could not be started.
 */
static napi_value Spawn(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value args[4];
  CHECK(napi_get_cb_info(env, info, &argc, args, NULL, NULL));
  if (argc < 4) {
    napi_throw_type_error(env, NULL, "spawn(file, argv, envp, cwd) needs four arguments");
    return NULL;
  }
  char *file = get_string(env, args[0]);
  char **argv = get_string_array(env, args[1]);
  char **overrides = get_string_array(env, args[2]);
  char **envp = overrides == NULL ? NULL : merge_env(overrides);
  char *cwd = get_string(env, args[3]);
  napi_value result = NULL;
  int in[2] = {-1, -1}, out[2] = {-1, -1};
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  int have_actions = 0, have_attr = 0;
  if (file == NULL || argv == NULL || envp == NULL || cwd == NULL) {
    napi_throw_type_error(env, NULL, "spawn: file and cwd must be strings, argv and env arrays of strings");
    goto done;
  }
  /* Close-on-exec everywhere: no other child may inherit our ends (a kept stdin would hide our death). */
  if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0) {
    int e = errno;
    close_pair(in);
    close_pair(out);
    throw_errno(env, "pipe", e);
    goto done;
  }
  posix_spawn_file_actions_init(&actions);
  have_actions = 1;
  posix_spawn_file_actions_adddup2(&actions, in[0], 0);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_adddup2(&actions, out[1], 2);
  posix_spawn_file_actions_addchdir_np(&actions, cwd);
  posix_spawnattr_init(&attr);
  have_attr = 1;
  /* Default dispositions and an empty mask, as a fresh process would have (Node ignores SIGPIPE). */
  sigset_t all, none;
  sigfillset(&all);
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, file, &actions, &attr, argv, envp);
  if (rc != 0) {
    throw_errno(env, file, rc);
    close_pair(in);
    close_pair(out);
    goto done;
  }
  close(in[0]);
  close(out[1]);
  char start_time[32];
  read_start_time(pid, start_time, sizeof start_time);
  napi_value values[4];
  napi_create_int32(env, pid, &values[0]);
  napi_create_int32(env, in[1], &values[1]);
  napi_create_int32(env, out[0], &values[2]);
  napi_create_string_utf8(env, start_time, NAPI_AUTO_LENGTH, &values[3]);
  napi_create_array_with_length(env, 4, &result);
  for (uint32_t i = 0; i < 4; i++) napi_set_element(env, result, i, values[i]);
done:
  if (have_actions) posix_spawn_file_actions_destroy(&actions);
  if (have_attr) posix_spawnattr_destroy(&attr);
  free(file);
  free(cwd);
  free_string_array(argv);
  free(envp); /* its strings belong to environ and overrides */
  free_string_array(overrides);
  return result;
}

/*
 * A callback from the loop that threw (or whose microtasks and ticks threw: they run before
 * napi_make_callback returns) leaves the exception pending with no JavaScript frame to take
 * it: raise it as uncaught, as Node does for its own callbacks, so the program's crash
 * handling runs instead of the exception being lost.
 */
static void raise_pending(napi_env env) {
  bool pending = false;
  if (napi_is_exception_pending(env, &pending) != napi_ok || !pending) return;
  napi_value error;
  if (napi_get_and_clear_last_exception(env, &error) == napi_ok) napi_fatal_exception(env, error);
}

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
static napi_value WaitExit(napi_env env, napi_callback_info info) {
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

/*
 * Reading a child's output pipe on the event loop, without a net.Socket: a uv_poll on the fd
 * and one read() of up to READ_CHUNK bytes per wake-up, handed to onData(buffer) synchronously,
 * so the pipe is read no faster than JavaScript takes the chunks (backpressure); onEnd() once
 * at end of file. A Socket per launch cost more than the rest of the launch's JavaScript, and
 * its end reached us through several stream ticks.
 */
#define READ_CHUNK (64 * 1024)

typedef struct {
  uv_poll_t poll;
  napi_env env;
  napi_ref on_data;
  napi_ref on_end;
  napi_async_context context;
  int fd;
  int stopping; /* uv_close called */
  int closed;   /* the close callback ran */
  int finalized; /* the JavaScript handle is gone */
} reader_t;

static void reader_release(reader_t *r) {
  if (r->closed && r->finalized) free(r);
}

static void on_reader_closed(uv_handle_t *handle) {
  reader_t *r = handle->data;
  close(r->fd);
  napi_delete_reference(r->env, r->on_data);
  napi_delete_reference(r->env, r->on_end);
  napi_async_destroy(r->env, r->context);
  r->closed = 1;
  reader_release(r);
}

static void reader_stop(reader_t *r) {
  if (r->stopping) return;
  r->stopping = 1;
  uv_poll_stop(&r->poll);
  uv_close((uv_handle_t *)&r->poll, on_reader_closed);
}

/* Calls back into JavaScript from the loop; a throw becomes an uncaught exception, as a throwing 'data' listener's would. */
static void reader_call(reader_t *r, napi_ref ref, size_t argc, napi_value *argv) {
  napi_env env = r->env;
  napi_value callback, resource;
  napi_get_reference_value(env, ref, &callback);
  napi_get_global(env, &resource);
  napi_make_callback(env, r->context, resource, callback, argc, argv, NULL);
  raise_pending(env);
}

/* One chunk's worth, reused: readers all run on the main thread's loop, one at a time. */
static char read_buffer[READ_CHUNK];

static void on_readable(uv_poll_t *poll, int status, int events) {
  (void)events;
  reader_t *r = poll->data;
  if (r->stopping) return;
  ssize_t n = -1;
  int err = EIO;
  if (status == 0) {
    do {
      n = read(r->fd, read_buffer, READ_CHUNK);
    } while (n < 0 && errno == EINTR);
    err = n < 0 ? errno : 0;
  }
  if (n < 0 && (err == EAGAIN || err == EWOULDBLOCK)) return;
  napi_env env = r->env;
  napi_handle_scope scope;
  napi_open_handle_scope(env, &scope);
  if (n > 0) {
    napi_value chunk;
    napi_create_buffer_copy(env, (size_t)n, read_buffer, NULL, &chunk);
    reader_call(r, r->on_data, 1, &chunk);
  } else {
    /* End of file (every writer closed it), or a read error: either way the output is over. */
    reader_stop(r);
    reader_call(r, r->on_end, 0, NULL);
  }
  napi_close_handle_scope(env, scope);
}

static void finalize_reader(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  reader_t *r = data;
  r->finalized = 1;
  reader_release(r);
}

/*
 * readOutput(fd, onData(buffer), onEnd()) -> handle: reads fd (made non-blocking) on the loop
 * until end of file. The fd is ours from here on: it is closed at the end or by stopOutput.
 */
static napi_value ReadOutput(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value args[3];
  CHECK(napi_get_cb_info(env, info, &argc, args, NULL, NULL));
  int32_t fd = -1;
  if (argc < 3 || napi_get_value_int32(env, args[0], &fd) != napi_ok || fd < 0) {
    napi_throw_type_error(env, NULL, "readOutput(fd, onData, onEnd) needs an fd and two functions");
    return NULL;
  }
  struct uv_loop_s *loop = NULL;
  CHECK(napi_get_uv_event_loop(env, &loop));
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) return throw_errno(env, "readOutput", errno);
  reader_t *r = calloc(1, sizeof *r);
  if (r == NULL) return throw_errno(env, "readOutput", ENOMEM);
  r->env = env;
  r->fd = fd;
  if (uv_poll_init(loop, &r->poll, fd) != 0) {
    free(r);
    return throw_errno(env, "readOutput: uv_poll_init", EINVAL);
  }
  r->poll.data = r;
  napi_value name, handle;
  napi_create_string_utf8(env, "troupe.readOutput", NAPI_AUTO_LENGTH, &name);
  napi_create_reference(env, args[1], 1, &r->on_data);
  napi_create_reference(env, args[2], 1, &r->on_end);
  napi_async_init(env, NULL, name, &r->context);
  if (napi_create_external(env, r, finalize_reader, NULL, &handle) != napi_ok) {
    r->finalized = 1;
    reader_stop(r);
    napi_throw_error(env, "ERR_TROUPE_SPAWN", "readOutput: could not create its handle");
    return NULL;
  }
  if (uv_poll_start(&r->poll, UV_READABLE, on_readable) != 0) {
    reader_stop(r);
    return throw_errno(env, "readOutput: uv_poll_start", EINVAL);
  }
  return handle;
}

/* stopOutput(handle): stops reading and closes the fd; nothing more is called back. */
static napi_value StopOutput(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value args[1];
  CHECK(napi_get_cb_info(env, info, &argc, args, NULL, NULL));
  void *data = NULL;
  if (argc < 1 || napi_get_value_external(env, args[0], &data) != napi_ok || data == NULL) {
    napi_throw_type_error(env, NULL, "stopOutput(handle) needs the handle readOutput returned");
    return NULL;
  }
  reader_stop(data);
  return NULL;
}

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  napi_value fn;
  napi_create_function(env, "spawn", NAPI_AUTO_LENGTH, Spawn, NULL, &fn);
  napi_set_named_property(env, exports, "spawn", fn);
  napi_create_function(env, "waitExit", NAPI_AUTO_LENGTH, WaitExit, NULL, &fn);
  napi_set_named_property(env, exports, "waitExit", fn);
  napi_create_function(env, "readOutput", NAPI_AUTO_LENGTH, ReadOutput, NULL, &fn);
  napi_set_named_property(env, exports, "readOutput", fn);
  napi_create_function(env, "stopOutput", NAPI_AUTO_LENGTH, StopOutput, NULL, &fn);
  napi_set_named_property(env, exports, "stopOutput", fn);
  return exports;
}
