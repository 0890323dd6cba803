import { type AttributeValue, type DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { SIGN_IN_STATE_TABLE } from '../contract';
import { expiresAtSeconds, NO_STATE, type AbuseLimits, type CodeState } from './code-state';
import type { SendOptions } from './deadline';

/** What a change decides: the state to write (none: leave it) and what the caller gets back. */
export interface StateChange<R> {
  readonly next?: CodeState;
  readonly result: R;
}

/** Reads and changes one user's passwordless state; tests use the DynamoDB one against dynalite. */
export interface CodeStateStore {
  /**
   * Reads the user's state, asks `decide` what to do, and writes the result only if nobody wrote
   * the item in between; on a lost race it reads again and asks again (a few times, then throws).
   */
  change<R>(
    userId: string,
    decide: (state: CodeState) => StateChange<R> | Promise<StateChange<R>>,
    options: SendOptions,
  ): Promise<R>;
}

/** Reads and conditional writes per change: two concurrent session starts cannot both win. */
const MAX_TRIES = 3;

const F = SIGN_IN_STATE_TABLE.fields;

/**
 * `CodeStateStore` on a DynamoDB table (SIGN_IN_STATE_TABLE layout): strongly consistent
 * `GetItem`, then `PutItem` with `version = :read` (or no item yet) as its condition. Needs only
 * `dynamodb:GetItem` and `dynamodb:PutItem` on that table. Any failure other than a lost race
 * propagates: the trigger fails closed with the generic message.
 */
export class DynamoDbCodeStateStore implements CodeStateStore {
  constructor(
    private readonly client: Pick<DynamoDBClient, 'send'>,
    private readonly tableName: string,
    private readonly limits: AbuseLimits,
  ) {}

  async change<R>(
    userId: string,
    decide: (state: CodeState) => StateChange<R> | Promise<StateChange<R>>,
    options: SendOptions,
  ): Promise<R> {
    for (let attempt = 1; ; attempt++) {
      const state = await this.read(userId, options);
      const { next, result } = await decide(state);
      if (!next) return result;
      try {
        await this.write(userId, state.version, next, options);
        return result;
      } catch (error) {
        if ((error as { name?: unknown }).name !== 'ConditionalCheckFailedException' || attempt >= MAX_TRIES) {
          throw error;
        }
      }
    }
  }

  private async read(userId: string, options: SendOptions): Promise<CodeState> {
    const { Item } = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: { [SIGN_IN_STATE_TABLE.partitionKey]: { S: userId } },
        ConsistentRead: true,
      }),
      options,
    );
    return Item ? parseStateItem(Item) : NO_STATE;
  }

  private async write(userId: string, readVersion: number, next: CodeState, options: SendOptions): Promise<void> {
    await this.client.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: { [SIGN_IN_STATE_TABLE.partitionKey]: { S: userId }, ...stateItem(next, this.limits) },
        ...(readVersion === 0
          ? {
              ConditionExpression: 'attribute_not_exists(#key)',
              ExpressionAttributeNames: { '#key': SIGN_IN_STATE_TABLE.partitionKey },
            }
          : {
              ConditionExpression: '#version = :read',
              ExpressionAttributeNames: { '#version': F.version },
              ExpressionAttributeValues: { ':read': { N: String(readVersion) } },
            }),
      }),
      options,
    );
  }
}

type Item = Record<string, AttributeValue>;

const num = (value: number): AttributeValue => ({ N: String(value) });

/** The item attributes (without the key) for a state. */
export function stateItem(state: CodeState, limits: AbuseLimits): Item {
  return {
    [F.version]: num(state.version),
    ...(state.code ? { [F.code]: { S: state.code.code }, [F.codeExpiresAt]: num(state.code.expiresAt) } : {}),
    [F.emailsSent]: num(state.emails.count),
    [F.emailWindowStart]: num(state.emails.start),
    [F.wrongAnswers]: num(state.wrongAnswers.count),
    [F.wrongWindowStart]: num(state.wrongAnswers.start),
    [SIGN_IN_STATE_TABLE.expiresAt]: num(expiresAtSeconds(state, limits)),
  };
}

/** Reads an item this store wrote; anything else throws (the trigger fails closed). */
export function parseStateItem(item: Item): CodeState {
  const count = (name: string): number => {
    const value = Number(item[name]?.N);
    if (!Number.isSafeInteger(value) || value < 0) throw new Error('unreadable sign-in state');
    return value;
  };
  const code = item[F.code]?.S;
  return {
    version: count(F.version),
    ...(code === undefined ? {} : { code: { code, expiresAt: count(F.codeExpiresAt) } }),
    emails: { count: count(F.emailsSent), start: count(F.emailWindowStart) },
    wrongAnswers: { count: count(F.wrongAnswers), start: count(F.wrongWindowStart) },
  };
}
