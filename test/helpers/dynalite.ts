import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CreateTableCommand,
  DeleteItemCommand,
  DynamoDBClient,
  ScanCommand,
  type KeySchemaElement,
} from '@aws-sdk/client-dynamodb';
// dynalite ships no types: a function that returns a node http.Server.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require('dynalite') as (options: Record<string, number>) => Server;

/**
 * DynamoDB for handler tests: dynalite (an in-memory DynamoDB implementation that honours
 * condition expressions), started in-process on loopback. Handlers reach it through
 * AWS_ENDPOINT_URL_DYNAMODB, as the AWS SDK does in any environment; `env` holds what to set
 * while they run (endpoint, region, dummy credentials: nothing leaves the machine).
 */
export interface LocalDynamoDb {
  readonly endpoint: string;
  readonly env: Readonly<Record<string, string>>;
  /** A client of the test itself (to create tables and read what the handlers wrote). */
  readonly client: DynamoDBClient;
  /** A table keyed by `partitionKey` (and `sortKey`, when given), both strings. */
  createTable(name: string, partitionKey: string, sortKey?: string): Promise<void>;
  /** Deletes every item of a table (between tests). */
  clear(name: string, partitionKey: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startLocalDynamoDb(): Promise<LocalDynamoDb> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const env = {
    AWS_ENDPOINT_URL_DYNAMODB: endpoint,
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
  };
  const client = new DynamoDBClient({
    endpoint,
    region: env.AWS_REGION,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  return {
    endpoint,
    env,
    client,
    async createTable(name, partitionKey, sortKey) {
      const keys: KeySchemaElement[] = [
        { AttributeName: partitionKey, KeyType: 'HASH' },
        ...(sortKey ? [{ AttributeName: sortKey, KeyType: 'RANGE' as const }] : []),
      ];
      await client.send(
        new CreateTableCommand({
          TableName: name,
          KeySchema: keys,
          AttributeDefinitions: keys.map((key) => ({ AttributeName: key.AttributeName, AttributeType: 'S' as const })),
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
    },
    async clear(name, partitionKey) {
      const { Items = [] } = await client.send(new ScanCommand({ TableName: name }));
      for (const item of Items) {
        await client.send(new DeleteItemCommand({ TableName: name, Key: { [partitionKey]: item[partitionKey]! } }));
      }
    },
    async stop() {
      client.destroy();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}

/**
 * Lets a test choose the order in which concurrent handlers reach DynamoDB. Installed as a
 * middleware on a handler's client, every request first waits for its turn; `run` releases one
 * waiting request at a time, picked by the test's `choices`, and lets it finish (response
 * included) before the next, so each interleaving of reads and conditional writes is exact and
 * reproducible (fast-check shrinks a failing one to its shortest form).
 */
export class StorageTurns {
  private readonly waiting: (() => void)[] = [];
  private inFlight = 0;

  /** Adds the turn-taking middleware to a DynamoDB client (the handler's module-scope one). */
  install(client: Pick<DynamoDBClient, 'middlewareStack'>): void {
    client.middlewareStack.add(
      (next) => async (args) => {
        await new Promise<void>((resolve) => this.waiting.push(resolve));
        this.inFlight++;
        try {
          return await next(args);
        } finally {
          this.inFlight--;
        }
      },
      { step: 'initialize', name: 'storageTurns' },
    );
  }

  /** Runs `work` to its end, releasing requests in the order `choices` picks (index mod waiting). */
  async run<T>(work: Promise<T>, choices: readonly number[]): Promise<T> {
    let done = false;
    const finished = work.finally(() => {
      done = true;
    });
    finished.catch(() => undefined);
    let turn = 0;
    while (!done) {
      await settle();
      while (this.inFlight > 0) await settle();
      if (done) break;
      if (this.waiting.length === 0) continue;
      const pick = (choices[turn++ % Math.max(choices.length, 1)] ?? 0) % this.waiting.length;
      this.waiting.splice(pick, 1)[0]!();
      // Let the released request start before checking inFlight.
      await settle();
    }
    return finished;
  }
}

/** One turn of the event loop: pending promise callbacks and I/O callbacks run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Starts dynalite for a test file, points the AWS SDK at it (AWS_ENDPOINT_URL_DYNAMODB and dummy
 * credentials) for the file's duration, creates `tables` (name -> partition key) and empties them
 * before each test. Returns a getter for the running instance.
 */
export function useLocalDynamoDb(tables: Readonly<Record<string, string>>): () => LocalDynamoDb {
  let db: LocalDynamoDb | undefined;
  const savedEnv = { ...process.env };
  beforeAll(async () => {
    db = await startLocalDynamoDb();
    Object.assign(process.env, db.env);
    for (const [name, key] of Object.entries(tables)) await db.createTable(name, key);
  });
  afterAll(async () => {
    process.env = savedEnv;
    await db?.stop();
  });
  beforeEach(async () => {
    for (const [name, key] of Object.entries(tables)) await db!.clear(name, key);
  });
  return () => {
    if (!db) throw new Error('dynalite is not running');
    return db;
  };
}
