// Runs one Lambda bundle the way the Lambda runtime does (import, then call `handler`) in this
// fresh process, with the event file given, and prints {"result"|"error", "logs"} as JSON.
// console.* is captured like Lambda's JSON log format does (one argument = one structured line).
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const logs = [];
for (const level of ['log', 'info', 'warn', 'error', 'debug']) {
  console[level] = (...args) => logs.push(args.length === 1 ? args[0] : args);
}
const [bundle, eventFile] = process.argv.slice(2);
const { handler } = await import(pathToFileURL(bundle).href);
const event = JSON.parse(readFileSync(eventFile, 'utf8'));
let outcome;
try {
  // The time Lambda would report as left (BUNDLE_REMAINING_MS), counting down from the call.
  const budget = Number(process.env.BUNDLE_REMAINING_MS ?? 5000);
  const started = Date.now();
  const getRemainingTimeInMillis = () => budget - (Date.now() - started);
  outcome = { result: await handler(event, { awsRequestId: 'bundle-test', getRemainingTimeInMillis }) };
} catch (error) {
  outcome = { error: error instanceof Error ? error.message : String(error) };
}
process.stdout.write(JSON.stringify({ ...outcome, logs }));
