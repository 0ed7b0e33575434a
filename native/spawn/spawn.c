/*
 * troupe's fast launch path: posix_spawn (glibc runs it as clone(CLONE_VM|CLONE_VFORK), so
 * the orchestrator's large image is never copied) of a program in a session and process
 * group of its own, with a pipe for stdin and one for its output (stdout and stderr share
 * it), its cwd and environment; its start time read at once. Reaping it and reporting its
 * exit is wait-exit.c, reading its output read-output.c; this file registers all of them.
 *
 * Why not child_process: libuv forks the whole Node image for each child (about 2 ms on a
 * loaded 2-core machine), which is most of what a short command costs.
 */
#include "common.h"

extern char **environ;

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
