import type Database from 'better-sqlite3';

/** Marks a SQLite file as troupe's (`PRAGMA application_id`): 'trup'. */
export const APPLICATION_ID = 0x74727570;

/** One step of the schema's history. Steps run in order, each in its own transaction. */
export interface Migration {
  readonly version: number;
  readonly description: string;
  up(db: Database.Database): void;
}

/**
 * The schema's history. Append, never edit: a database records the version it reached
 * (`PRAGMA user_version`) and only the steps after it run.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'actors, journal, timers, inbox, handles, dead letters, owner lock',
    up(db) {
      db.exec(`
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE owner (
          id INTEGER PRIMARY KEY CHECK (id = 1),
          pid INTEGER NOT NULL, start_time TEXT, host TEXT NOT NULL, acquired_at INTEGER NOT NULL
        );
        CREATE TABLE actors (
          id TEXT PRIMARY KEY,
          kind TEXT NOT NULL,
          parent TEXT,
          spec TEXT NOT NULL,
          state TEXT NOT NULL,
          status TEXT NOT NULL,
          snapshot TEXT,
          created_at INTEGER NOT NULL,
          since INTEGER NOT NULL,
          updated_at INTEGER NOT NULL,
          supervision TEXT NOT NULL DEFAULT '{"attempt":0,"history":[],"restarts":0}'
        );
        CREATE TABLE journal (
          seq INTEGER PRIMARY KEY AUTOINCREMENT,
          at INTEGER NOT NULL, actor TEXT, type TEXT NOT NULL, data TEXT
        );
        -- Lifecycle rows only: an index entry per delivered message costs more than the message.
        CREATE INDEX journal_by_actor ON journal (actor, seq) WHERE type <> 'delivered';
        CREATE TABLE timers (
          id TEXT PRIMARY KEY,
          actor TEXT NOT NULL, kind TEXT NOT NULL, due_at INTEGER NOT NULL, payload TEXT NOT NULL
        );
        CREATE TABLE inbox (
          seq INTEGER PRIMARY KEY AUTOINCREMENT,
          target TEXT NOT NULL, event TEXT NOT NULL, sender TEXT,
          created_at INTEGER NOT NULL, delivered_at INTEGER, outcome TEXT
        );
        CREATE INDEX inbox_pending ON inbox (seq) WHERE delivered_at IS NULL;
        CREATE TABLE handles (
          actor TEXT PRIMARY KEY,
          pid INTEGER NOT NULL, pgid INTEGER NOT NULL, start_time TEXT NOT NULL,
          owner_pid INTEGER NOT NULL, created_at INTEGER NOT NULL
        );
        CREATE TABLE dead_letters (
          seq INTEGER PRIMARY KEY AUTOINCREMENT,
          at INTEGER NOT NULL, target TEXT NOT NULL, event TEXT NOT NULL, reason TEXT NOT NULL, sender TEXT
        );
      `);
    },
  },
  {
    version: 2,
    description: 'kind-owned resource records (replacing pid-only handles), actors.summary',
    up(db) {
      // A resource record is its kind's business (a process group, a tmux session, later a
      // container or an agent session): the runtime stores it as JSON and hands it back to
      // the kind's reconcile after a crash. Every old handle was a process group.
      db.exec(`
        CREATE TABLE resources (
          actor TEXT PRIMARY KEY,
          kind TEXT NOT NULL,
          record TEXT NOT NULL,
          owner_pid INTEGER NOT NULL,
          created_at INTEGER NOT NULL
        );
        INSERT INTO resources (actor, kind, record, owner_pid, created_at)
          SELECT h.actor, COALESCE((SELECT a.kind FROM actors a WHERE a.id = h.actor), 'process'),
                 json_object('pid', h.pid, 'pgid', h.pgid, 'startTime', h.start_time), h.owner_pid, h.created_at
          FROM handles h;
        DROP TABLE handles;
        ALTER TABLE actors ADD COLUMN summary TEXT;
      `);
    },
  },
  {
    version: 3,
    description: 'actor_parts: the keyed parts of split snapshots (a run\'s step records), written when they change',
    up(db) {
      db.exec(`
        CREATE TABLE actor_parts (
          actor TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
          PRIMARY KEY (actor, key)
        ) WITHOUT ROWID;
      `);
    },
  },
  {
    version: 4,
    description: 'inbox replies: what a control request (spawn, stop, a run...) answered',
    up(db) {
      db.exec('ALTER TABLE inbox ADD COLUMN reply TEXT;');
    },
  },
  {
    version: 5,
    description: 'namespaced event types in the journal (actor.state, message.delivered...), the journal as the event history',
    up(db) {
      // The journal is the event history (`orc.events`, `troupe events`): its types are
      // namespaced like every other event, so a glob (`actor.*`) selects a family.
      const renamed: ReadonlyArray<readonly [string, string]> = [
        ['spawned', 'actor.spawned'], ['state', 'actor.state'], ['stopped', 'actor.stopped'], ['restored', 'actor.restored'],
        ['ended', 'actor.ended'], ['restart-scheduled', 'actor.restarting'], ['restarted', 'actor.restarted'], ['failed', 'actor.failed'],
        ['spawn-failed', 'actor.spawn-failed'], ['reaped', 'actor.reaped'], ['delivered', 'message.delivered'],
        ['dead-letter', 'message.dead-letter'], ['published', 'topic.published'],
      ];
      const rename = db.prepare('UPDATE journal SET type = ? WHERE type = ?');
      for (const [from, to] of renamed) rename.run(to, from);
      db.exec(`
        DROP INDEX journal_by_actor;
        CREATE INDEX journal_by_actor ON journal (actor, seq) WHERE type <> 'message.delivered';
      `);
    },
  },
  {
    version: 6,
    description: 'scoped API tokens (troupe token create): a hash of each, never the token, with its permissions and actor patterns',
    up(db) {
      db.exec(`
        CREATE TABLE api_tokens (
          id          TEXT PRIMARY KEY,
          name        TEXT NOT NULL,
          hash        TEXT NOT NULL UNIQUE,
          permissions TEXT NOT NULL,
          actors      TEXT NOT NULL,
          created_at  INTEGER NOT NULL,
          expires_at  INTEGER,
          revoked_at  INTEGER
        );
      `);
    },
  },
  {
    version: 7,
    description: 'shared memory: keyed, versioned values with an owner, an access level and a bounded history',
    up(db) {
      // `team` is the owner's team when it wrote (who `shared` lets in), so a reader in another
      // process can check access without the owner's actor rows.
      db.exec(`
        CREATE TABLE memory (
          key TEXT PRIMARY KEY,
          owner TEXT NOT NULL, access TEXT NOT NULL, team TEXT,
          data TEXT NOT NULL, version INTEGER NOT NULL,
          created_at INTEGER NOT NULL, modified_at INTEGER NOT NULL, modified_by TEXT NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE memory_history (
          key TEXT NOT NULL, version INTEGER NOT NULL,
          data TEXT NOT NULL, access TEXT NOT NULL, modified_at INTEGER NOT NULL, modified_by TEXT NOT NULL,
          PRIMARY KEY (key, version)
        ) WITHOUT ROWID;
      `);
    },
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;
