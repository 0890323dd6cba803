import type { z } from 'zod';
import { type FeaturePlan, isLocalhost } from './fields';
import type { RawStageConfig } from './schema';

/** Where a problem is: the path of the field a rule blames, e.g. `['api', 'corsOrigins', 0]`. */
export type ConfigPath = readonly (string | number)[];

/**
 * Reports one problem: the field it blames, the value found there, and a message saying what is
 * allowed. The loader turns it into `<field>: got <value>; <message>`.
 */
export type Report = (path: ConfigPath, input: unknown, message: string) => void;

/**
 * One rule across fields: a check the field types alone cannot express (a combination Cognito
 * would refuse at deploy time, or one that is unsafe). Its description is the line in
 * docs/config.md's rule list, so the reference says exactly what the code checks.
 */
export interface ConfigRule {
  /** Stable kebab-case name, shown in docs/config.md and attached to every issue it reports. */
  readonly id: string;
  /** One sentence for docs/config.md: what the rule requires and, briefly, why. */
  readonly description: string;
  /**
   * Reports each problem it finds. Runs after the field types applied defaults, and also when
   * some fields already failed their own check, so it must not assume a value is well formed
   * beyond its type.
   */
  readonly check: (config: RawStageConfig, report: Report) => void;
}

/** The rules of one section of the config, under the title docs/config.md shows. */
export interface RuleSection {
  readonly title: string;
  readonly rules: readonly ConfigRule[];
}

export function rule(id: string, description: string, check: ConfigRule['check']): ConfigRule {
  return { id, description, check };
}

/** Runs every rule of every section; each issue carries its rule's id in `params.rule`. */
export function checkRules(sections: readonly RuleSection[]) {
  const ids = new Set<string>();
  for (const { rules } of sections) {
    for (const { id } of rules) {
      if (ids.has(id)) throw new Error(`config rule "${id}" is defined twice`);
      ids.add(id);
    }
  }
  return (config: RawStageConfig, ctx: z.RefinementCtx): void => {
    for (const { rules } of sections) {
      for (const { id, check } of rules) {
        check(config, (path, input, message) =>
          ctx.addIssue({ code: 'custom', path: [...path], input, message, params: { rule: id } }),
        );
      }
    }
  };
}

/** `"a", "b", "c"`: the allowed names in a message. */
export function quote(names: Iterable<string>): string {
  return [...names].map((n) => JSON.stringify(n)).join(', ');
}

/** Reports `value` at `path` unless it is one of `known`: `<what>; allowed: "a", "b"`. */
export function requireKnown(
  report: Report,
  known: ReadonlySet<string>,
  what: string,
  path: ConfigPath,
  value: string,
  hint = '',
): void {
  if (!known.has(value)) report(path, value, `${what}; allowed: ${quote(known)}${hint}`);
}

/** Reports every repeated name of `items` at `<path>[index]<suffix>`. */
export function requireUnique(
  report: Report,
  names: readonly string[],
  path: (index: number) => ConfigPath,
  message: string,
): void {
  names.forEach((name, index) => {
    if (names.indexOf(name) !== index) report(path(index), name, message);
  });
}

const PLAN_RANK: Record<FeaturePlan, number> = { LITE: 0, ESSENTIALS: 1, PLUS: 2 };

/** Reports `what` at `path` when the user pool's feature plan is below `minimum`. */
export function requirePlan(
  config: RawStageConfig,
  report: Report,
  minimum: FeaturePlan,
  path: ConfigPath,
  value: unknown,
  what: string,
): void {
  const plan = config.userPool.featurePlan;
  if (PLAN_RANK[plan] < PLAN_RANK[minimum]) {
    report(
      path,
      value,
      `${what} needs userPool.featurePlan ${minimum === 'PLUS' ? '"PLUS"' : '"ESSENTIALS" or "PLUS"'}, but the plan is "${plan}"`,
    );
  }
}

/**
 * A production guard rail: when `production` is true, the value at `path` must pass `ok`.
 * `message` is what the user reads, e.g. `production stages must use "RETAIN"`.
 */
export function productionRequires<T>(
  id: string,
  description: string,
  path: ConfigPath,
  read: (config: RawStageConfig) => T,
  ok: (value: T) => boolean,
  message: string,
): ConfigRule {
  return rule(id, description, (config, report) => {
    const value = read(config);
    if (config.production && !ok(value)) report(path, value, message);
  });
}

/** A browser-facing URL of the config, parsed, with the path of the field it came from. */
export interface ConfiguredUrl {
  readonly raw: string;
  readonly url: URL;
  readonly path: ConfigPath;
}

/** The URLs of a list field that parse; one that does not is already reported by its field type. */
export function parsedUrls(list: readonly string[], path: ConfigPath): ConfiguredUrl[] {
  return list.flatMap((raw, index) => (URL.canParse(raw) ? [{ raw, url: new URL(raw), path: [...path, index] }] : []));
}

/**
 * The two rules every list of browser-facing URLs follows: HTTPS, with plain http only for
 * localhost, and no localhost at all in production.
 */
export function webUrlRules(options: {
  /** Rule id stem, e.g. `redirect-url` gives `redirect-url-https` and `production-no-localhost-redirect-url`. */
  readonly id: string;
  /** What the URLs are, for the descriptions, e.g. "redirect URLs". */
  readonly what: string;
  readonly urls: (config: RawStageConfig) => ConfiguredUrl[];
  readonly httpMessage: string;
  readonly localhostMessage: string;
}): ConfigRule[] {
  const { id, what, urls } = options;
  const sentence = what.charAt(0).toUpperCase() + what.slice(1);
  return [
    rule(`${id}-https`, `${sentence} use HTTPS; only \`http://localhost\` may use http.`, (config, report) => {
      for (const { raw, url, path } of urls(config)) {
        if (url.protocol === 'http:' && !isLocalhost(url)) report(path, raw, options.httpMessage);
      }
    }),
    rule(`production-no-localhost-${id}`, `Production stages have no localhost URL in ${what}.`, (config, report) => {
      if (!config.production) return;
      for (const { raw, url, path } of urls(config)) {
        if (isLocalhost(url)) report(path, raw, options.localhostMessage);
      }
    }),
  ];
}
