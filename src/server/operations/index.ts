/**
 * The operation table: every operation of the API, in the order openapi.json and the MCP
 * tool list show them. HTTP routes, MCP tools and openapi.json are generated from it.
 * A kind's operations are one import and one spread here.
 */
import { TroupeError } from '../../runtime/errors.js';
import type { AnyOperation } from '../operation.js';
import { actorGet, actorList, actorLogs, actorSend, actorSpawn, actorStop, actorWait } from './actors.js';
import { agentOperations } from './agents.js';
import { troupeDo } from './do.js';
import { eventList } from './events.js';
import { queueCancel, queueClear, queueEnqueue, queueGet, queueList } from './queues.js';
import { runApprove, runCancel, runGet, runList, runStart } from './runs.js';
import { scheduleAdd, scheduleCheckin, scheduleGet, scheduleList, schedulePause, scheduleResume, scheduleTrigger } from './schedules.js';
import { shellExpect, shellRun } from './shells.js';
import { memoryList, memoryRead, memoryWrite } from './memory.js';
import { agentAck, agentBroadcast, agentMessage } from './messages.js';
import { fleetMetrics, teamList, teamSyncStatus } from './teams.js';

/** Every operation. */
export const operations: readonly AnyOperation[] = [
  actorList,
  actorGet,
  actorSpawn,
  actorSend,
  actorStop,
  actorLogs,
  actorWait,
  shellRun,
  shellExpect,
  runList,
  runGet,
  runStart,
  runApprove,
  runCancel,
  queueList,
  queueGet,
  queueEnqueue,
  queueCancel,
  queueClear,
  scheduleList,
  scheduleGet,
  scheduleAdd,
  schedulePause,
  scheduleResume,
  scheduleTrigger,
  scheduleCheckin,
  eventList,
  memoryRead,
  memoryWrite,
  memoryList,
  agentMessage,
  agentBroadcast,
  agentAck,
  ...agentOperations,
  troupeDo,
  teamList,
  teamSyncStatus,
  fleetMetrics,
];

const byName = new Map(operations.map((operation) => [operation.name, operation]));

/**
 * The operation of that name; OPERATION_NOT_FOUND otherwise (an older owner, say).
 *
 * @example operationNamed('actor.list').http?.path // '/api/actors'
 */
export function operationNamed(name: string): AnyOperation {
  const operation = byName.get(name);
  if (!operation) {
    throw new TroupeError('OPERATION_NOT_FOUND', `No API operation '${name}'. There are: ${[...byName.keys()].join(', ')}. Is the owner an older troupe?`, { details: { name } });
  }
  return operation;
}
