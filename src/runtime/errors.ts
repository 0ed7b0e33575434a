/**
 * Every error troupe raises on purpose is a `TroupeError` with a stable `code`
 * and a message that names the offending value and says what to do.
 * Foreign errors (SQLite, the OS) travel in `cause`.
 *
 * @example
 * try { await orc.spawn(spec) } catch (err) {
 *   if (err instanceof TroupeError && err.code === 'ACTOR_EXISTS') { ... }
 * }
 */
export type ErrorCode =
  | 'INVALID_SPEC'
  | 'INVALID_ARGUMENT'
  | 'INVALID_DURATION'
  | 'INVALID_SIZE'
  | 'INVALID_EVENT'
  | 'UNKNOWN_KIND'
  | 'KIND_EXISTS'
  | 'ACTOR_EXISTS'
  | 'ACTOR_NOT_FOUND'
  | 'ACTOR_STOPPED'
  | 'ACTOR_RUNNING'
  | 'COMMAND_NOT_FOUND'
  | 'CWD_NOT_FOUND'
  | 'CWD_NOT_ALLOWED'
  | 'SPAWN_FAILED'
  | 'PROCESS_FAILED'
  | 'PROCESS_TIMEOUT'
  | 'PROCESS_LOST'
  | 'REQUEST_TIMEOUT'
  | 'WAIT_TIMEOUT'
  | 'WAIT_UNREACHABLE'
  | 'DB_LOCKED'
  | 'DB_NOT_TROUPE'
  | 'DB_CORRUPT'
  | 'DB_TOO_NEW'
  | 'DB_UNWRITABLE'
  | 'DB_NOT_FOUND'
  | 'ORCHESTRATOR_CLOSED'
  // the HTTP API, its stream and the MCP server (src/server)
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'ROUTE_NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'PAYLOAD_TOO_LARGE'
  | 'OPERATION_NOT_FOUND'
  | 'PORT_IN_USE'
  // queues and resource admission
  | 'QUEUE_NOT_FOUND'
  | 'NOT_A_QUEUE'
  | 'QUEUE_NOT_RUNNING'
  | 'QUEUE_FULL'
  | 'ITEM_EXISTS'
  | 'ITEM_NOT_FOUND'
  | 'MEMORY_LIMIT'
  // git worktrees and task files of agent sessions
  | 'NOT_A_REPO'
  | 'BASE_NOT_FOUND'
  | 'BRANCH_EXISTS'
  | 'BRANCH_NOT_FOUND'
  | 'WORKTREE_PATH_EXISTS'
  | 'WORKTREE_NOT_FOUND'
  | 'WORKTREE_DIRTY'
  | 'WORKTREE_BUSY'
  | 'WORKTREE_SETUP_FAILED'
  | 'GIT_LOCKED'
  | 'GIT_FAILED'
  | 'TASK_FILE_INVALID'
  // requests to the orchestrator through the inbox (control.ts)
  | 'NO_OWNER'
  | 'CONTROL_UNKNOWN'
  | 'CONTROL_EXISTS'
  | 'CONTROL_FAILED'
  | 'CONTROL_TIMEOUT'
  // the inspector
  | 'STATECHART_NOT_FOUND'
  | 'UI_NOT_FOUND'
  // shells and expect
  | 'SHELL_NOT_RUNNING'
  | 'NOT_A_SHELL'
  | 'EXPECT_TIMEOUT'
  | 'EXPECT_EOF'
  | 'INVALID_PATTERN'
  | 'TMUX_NOT_FOUND'
  | 'TMUX_FAILED'
  | 'ATTACH_UNSUPPORTED'
  // the operator's surface: troupe do, the config file, backups
  | 'INVALID_DO'
  | 'INVALID_CONFIG'
  | 'BACKUP_FAILED'
  | 'DB_OWNED'
  // workflows
  | 'INVALID_WORKFLOW'
  | 'WORKFLOW_FILE_NOT_FOUND'
  | 'RUN_NOT_FOUND'
  | 'RUN_FINISHED'
  | 'RUN_UNFINISHED'
  | 'STEP_NOT_FOUND'
  | 'NOT_AWAITING_APPROVAL'
  // containers (Docker)
  | 'DOCKER_UNAVAILABLE'
  | 'DOCKER_FAILED'
  | 'IMAGE_NOT_FOUND'
  | 'BUILD_FAILED'
  | 'PORT_IN_USE'
  | 'CONTAINER_FAILED'
  | 'CONTAINER_OOM'
  | 'CONTAINER_TIMEOUT'
  | 'CONTAINER_LOST'
  // agent sessions
  | 'NOT_AN_AGENT'
  | 'AGENT_NOT_RUNNING'
  | 'APPROVAL_NOT_FOUND'
  // permissions on troupe's own tools
  | 'PERMISSION_DENIED'
  | 'TOKEN_EXISTS'
  | 'TOKEN_NOT_FOUND'
  // shared memory and messages between agents
  | 'ACCESS_DENIED'
  | 'MEMORY_KEY_NOT_FOUND'
  | 'ACK_TIMEOUT'
  | 'MESSAGE_NOT_FOUND'
  // teams (fleets of agents)
  | 'TEMPLATE_NOT_FOUND'
  | 'TEMPLATE_INVALID'
  | 'TEMPLATE_CYCLE'
  | 'TEMPLATE_TOO_DEEP'
  | 'TEAM_EXISTS'
  | 'TEAM_NOT_FOUND'
  | 'TEAM_LOCKED';

export class TroupeError extends Error {
  override readonly name: string = 'TroupeError';
  readonly code: ErrorCode;
  /** Structured facts about the failure (the id, the path, the pid...). */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details ?? {};
  }
}

/** A `request()` got no reply in time. */
export class RequestTimeoutError extends TroupeError {
  override readonly name = 'RequestTimeoutError';
  constructor(target: string, eventType: string, timeoutMs: number) {
    super(
      'REQUEST_TIMEOUT',
      `Actor '${target}' did not reply to '${eventType}' within ${timeoutMs}ms. Check that it handles '${eventType}' and replies with sendTo(event.replyTo, ...), or raise the timeout.`,
      { details: { target, eventType, timeoutMs } },
    );
  }
}

/** `waitFor()` gave up: the timeout passed, or the actor ended before the condition held. */
export class WaitTimeoutError extends TroupeError {
  override readonly name = 'WaitTimeoutError';
  constructor(id: string, condition: string, timeoutMs: number, lastState: string) {
    super(
      'WAIT_TIMEOUT',
      `Actor '${id}' did not reach ${condition} within ${timeoutMs}ms (it is '${lastState}'). Check its logs with \`troupe logs ${id}\` or raise the timeout.`,
      { details: { id, condition, timeoutMs, lastState } },
    );
  }
}

/** Turns any thrown value into something with a message, for `cause` chains and logs. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/**
 * Runs `work` so that what it throws before returning its promise rejects that promise
 * instead: the promise-returning API methods reject on invalid input, never throw.
 *
 * @example return rejecting(() => enqueue(queue, spec));
 */
export function rejecting<T>(work: () => Promise<T>): Promise<T> {
  try {
    return work();
  } catch (err) {
    return Promise.reject(err);
  }
}
