/*
 * Reading a child's output pipe on the event loop, without a net.Socket: a uv_poll on the fd
 * and one read() of up to READ_CHUNK bytes per wake-up, handed to onData(buffer) synchronously,
 * so the pipe is read no faster than JavaScript takes the chunks (backpressure); onEnd() once
 * at end of file. A Socket per launch cost more than the rest of the launch's JavaScript, and
 * its end reached us through several stream ticks.
 */
#include "common.h"

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
napi_value ReadOutput(napi_env env, napi_callback_info info) {
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
napi_value StopOutput(napi_env env, napi_callback_info info) {
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
