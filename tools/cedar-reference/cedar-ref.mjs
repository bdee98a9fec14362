// Cedar's reference implementation (@cedar-policy/cedar-wasm, pinned in package.json) behind a
// line-oriented JSON protocol, so that Paddock's C++ tests and benchmarks can keep one process
// alive for thousands of cases.
//
//   node tools/cedar-reference/cedar-ref.mjs      (after scripts/setup has run `npm ci` here)
//
// Protocol: one JSON object per line on stdin; for each, exactly one JSON object on one line on
// stdout, in order. Blank lines are ignored (they get no answer). A line that is not a JSON object
// or names an unknown command is answered with {"error": "..."}. An "id" member of any command is
// echoed unchanged in its answer. Nothing else is ever written to stdout; the process exits when
// stdin closes.
//
// Common members:
//   policies  Cedar policy text (string). Policy ids are Cedar's positional ids (policy0, policy1,
//             ... in source order, templates counted) unless an @id("...") annotation names the
//             policy, as Cedar's integration tests expect. cedar-wasm itself only knows positional
//             ids; this harness maps them. Two policies ending up with the same id is an error.
//   schema    Cedar schema text (string), a JSON schema (object), or null/absent for none.
//   entities  Cedar entities JSON: an array of {"uid":{"type","id"},"attrs":{},"parents":[]}.
//   principal, action, resource   {"type":"User","id":"alice"} (or {"__entity":{...}}).
//   context   a JSON object (default {}); with a schema, parsed against the action's context type
//             (so "1.2.3.4" can become an ipaddr).
//   error     null, or a message when the call itself failed (parse error, bad entities, request
//             not valid for the schema...). When it is set the other members hold neutral values.
//
// Commands and answers:
//   {"cmd":"version"}
//     -> {"cedar":"4.13.0","lang":"4.5","sdk":"4.13.0","error":null}
//
//   {"cmd":"authorize","policies":"...","entities":[...],"schema":"..."|{...}|null,
//    "principal":{...},"action":{...},"resource":{...},"context":{...},
//    "validateRequest":true|false (optional; cedar-wasm's default, true, checks the request
//                                   against the schema when there is one)}
//     -> {"decision":"allow"|"deny"|null,"reason":[ids],"errors":[ids whose evaluation errored],
//         "errorMessages":[{"policy":id,"message":"..."}],"warnings":["..."],"error":null|"..."}
//        reason and errors are sorted (Cedar compares them as sets).
//
//   {"cmd":"validate","policies":"...","schema":"..."|{...}}      (strict mode, Cedar's only one)
//     -> {"valid":true|false,"errors":["..."],"policyErrors":[{"policy":id,"message":"..."}],
//         "warnings":["..."],"error":null|"..."}
//        Policies or schema that do not parse give valid:false, their messages in errors, and error
//        set; a validation failure gives valid:false with error null.
//        Messages are Cedar's own text, which names policies by their positional ids; the
//        "policy" members carry the harness's ids (@id applied).
//
//   {"cmd":"parse","policies":"..."}
//     -> {"ok":true|false,"ids":[ids in source order],"templates":[ids of templates],
//         "errors":["..."],"error":null|"..."}
//
//   {"cmd":"bench","policies":"...","entities":[...],"schema":...|null,
//    "requests":[{"principal":..,"action":..,"resource":..,"context":..},...],
//    "iterations":N (default 100),"warmup":W (passes over the requests first, not measured;
//    default 10),
//    "api":"stateful"|"plain" (optional; default: the fastest the pinned version has)}
//     -> {"api":"statefulIsAuthorized"|"isAuthorized","iterations":N,"requests":R,"samples":N*R,
//         "p50_us":..,"p90_us":..,"p99_us":..,"min_us":..,"max_us":..,"mean_us":..,"total_ms":..,
//         "allow":a,"deny":d,"failures":f,"firstFailure":null|"...","error":null|"..."}
//        Each sample is one authorization call timed on its own (wall clock, microseconds,
//        nearest-rank percentiles); total_ms is their sum. "statefulIsAuthorized" means the
//        policies and schema were parsed once beforehand (preparsePolicySet / preparseSchema);
//        entities and context are still parsed on every call, as cedar-wasm has no way to preparse
//        them. "isAuthorized" parses everything on every call.

import { createInterface } from 'node:readline';

let cedar;
try {
  cedar = await import('@cedar-policy/cedar-wasm/nodejs');
} catch (e) {
  process.stderr.write(
    `cedar-ref: cannot load @cedar-policy/cedar-wasm (${e.message}); run scripts/setup, which ` +
      'installs it into tools/cedar-reference/node_modules\n'
  );
  process.exit(2);
}

const hasStateful =
  typeof cedar.statefulIsAuthorized === 'function' &&
  typeof cedar.preparsePolicySet === 'function' &&
  typeof cedar.preparseSchema === 'function';

class CallError extends Error {}

const messages = (errors) => (errors ?? []).map((e) => e.message);
const failure = (answer) => new CallError(messages(answer.errors).join('; ') || 'failed');
const sortedUnique = (ids) => [...new Set(ids)].sort();

// --- Policy ids -------------------------------------------------------------------------------

// Splits Cedar policy text into one piece per policy, in source order. A ';' ends every policy and
// appears nowhere else outside string literals and // comments.
function splitPolicies(text) {
  const pieces = [];
  let start = 0;
  for (let i = 0; i < text.length; ++i) {
    const c = text[i];
    if (c === '"') {
      for (++i; i < text.length && text[i] !== '"'; ++i) {
        if (text[i] === '\\') ++i;
      }
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') ++i;
    } else if (c === ';') {
      pieces.push(text.slice(start, i + 1));
      start = i + 1;
    }
  }
  return pieces;
}

// What the harness needs to know about one policy text: the PolicySet to hand to cedar-wasm, the
// final id of every policy in source order, and how to turn the ids cedar-wasm reports into those.
function analysePolicies(text) {
  if (typeof text !== 'string') throw new CallError('"policies" must be a string of Cedar policies');
  const parts = cedar.policySetTextToParts(text);
  if (parts.type !== 'success') throw failure(parts);
  const count = parts.policies.length + parts.policy_templates.length;
  const positional = Array.from({ length: count }, (_, i) => `policy${i}`);
  if (!text.includes('@') && parts.policy_templates.length === 0) {
    return { policySet: { staticPolicies: text }, ids: positional, templates: [], rename: null };
  }
  const pieces = splitPolicies(text);
  if (pieces.length !== count) {
    throw new CallError(`harness: split the policies into ${pieces.length} pieces, Cedar found ${count}`);
  }
  const ids = [];
  const templates = [];
  const staticPolicies = {};
  const templateTexts = {};
  pieces.forEach((piece, i) => {
    let json = cedar.policyToJson(piece);
    let isTemplate = false;
    if (json.type !== 'success') {
      json = cedar.templateToJson(piece);
      if (json.type !== 'success') throw failure(json);
      isTemplate = true;
    }
    const id = json.json.annotations?.id ?? positional[i];
    if (ids.includes(id)) throw new CallError(`duplicate policy id ${JSON.stringify(id)}`);
    ids.push(id);
    if (isTemplate) {
      templates.push(id);
      templateTexts[id] = piece;
    } else {
      staticPolicies[id] = piece;
    }
  });
  if (templates.length > 0) {
    // cedar-wasm refuses templates inside a static policy text: hand it every piece under its id.
    return { policySet: { staticPolicies, templates: templateTexts }, ids, templates, rename: null };
  }
  const rename = new Map(positional.map((p, i) => [p, ids[i]]));
  return { policySet: { staticPolicies: text }, ids, templates, rename };
}

// Thousands of requests usually share a few policy texts: keep their analyses.
const analyses = new Map();
function policiesFor(text) {
  let analysis = analyses.get(text);
  if (analysis === undefined) {
    analysis = analysePolicies(text);
    if (analyses.size >= 64) analyses.clear();
    analyses.set(text, analysis);
  }
  return analysis;
}

const renamed = (analysis, id) => analysis.rename?.get(id) ?? id;

// --- Commands ---------------------------------------------------------------------------------

function schemaOf(cmd) {
  const s = cmd.schema;
  if (s === undefined || s === null) return undefined;
  if (typeof s === 'string' || (typeof s === 'object' && !Array.isArray(s))) return s;
  throw new CallError('"schema" must be Cedar schema text, a JSON schema object, or null');
}

function requestOf(r) {
  for (const k of ['principal', 'action', 'resource']) {
    if (typeof r[k] !== 'object' || r[k] === null) throw new CallError(`"${k}" must be an entity uid object`);
  }
  return { principal: r.principal, action: r.action, resource: r.resource, context: r.context ?? {} };
}

function version() {
  return {
    cedar: cedar.getCedarVersion(),
    lang: cedar.getCedarLangVersion(),
    sdk: cedar.getCedarSDKVersion(),
    error: null,
  };
}

function authorize(cmd) {
  const neutral = { decision: null, reason: [], errors: [], errorMessages: [], warnings: [] };
  try {
    const analysis = policiesFor(cmd.policies);
    const call = { ...requestOf(cmd), policies: analysis.policySet, entities: cmd.entities ?? [] };
    const schema = schemaOf(cmd);
    if (schema !== undefined) call.schema = schema;
    if (typeof cmd.validateRequest === 'boolean') call.validateRequest = cmd.validateRequest;
    const answer = cedar.isAuthorized(call);
    if (answer.type !== 'success') throw failure(answer);
    const { decision, diagnostics } = answer.response;
    const errorMessages = diagnostics.errors.map((e) => ({
      policy: renamed(analysis, e.policyId),
      message: e.error.message,
    }));
    return {
      decision,
      reason: sortedUnique(diagnostics.reason.map((id) => renamed(analysis, id))),
      errors: sortedUnique(errorMessages.map((e) => e.policy)),
      errorMessages,
      warnings: messages(answer.warnings),
      error: null,
    };
  } catch (e) {
    if (e instanceof CallError) return { ...neutral, error: e.message };
    throw e;
  }
}

function validate(cmd) {
  const neutral = { valid: false, errors: [], policyErrors: [], warnings: [] };
  try {
    const analysis = policiesFor(cmd.policies);
    const schema = schemaOf(cmd);
    if (schema === undefined) throw new CallError('validate needs a "schema"');
    const answer = cedar.validate({ schema, policies: analysis.policySet, validationSettings: { mode: 'strict' } });
    if (answer.type !== 'success') {
      const errors = messages(answer.errors);
      return { ...neutral, errors, warnings: messages(answer.warnings), error: errors.join('; ') || 'failed' };
    }
    const policyErrors = answer.validationErrors.map((e) => ({
      policy: renamed(analysis, e.policyId),
      message: e.error.message,
    }));
    return {
      valid: policyErrors.length === 0,
      errors: policyErrors.map((e) => e.message),
      policyErrors,
      warnings: [...answer.validationWarnings.map((w) => w.error.message), ...messages(answer.otherWarnings)],
      error: null,
    };
  } catch (e) {
    if (e instanceof CallError) return { ...neutral, errors: [e.message], error: e.message };
    throw e;
  }
}

function parse(cmd) {
  try {
    const analysis = policiesFor(cmd.policies);
    return { ok: true, ids: analysis.ids, templates: analysis.templates, errors: [], error: null };
  } catch (e) {
    if (e instanceof CallError) return { ok: false, ids: [], templates: [], errors: [e.message], error: e.message };
    throw e;
  }
}

const BENCH_POLICY_SET = 'paddock-bench';
const BENCH_SCHEMA = 'paddock-bench';

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1];
}

function bench(cmd) {
  try {
    const analysis = policiesFor(cmd.policies);
    const schema = schemaOf(cmd);
    const entities = cmd.entities ?? [];
    if (!Array.isArray(cmd.requests) || cmd.requests.length === 0) {
      throw new CallError('"requests" must be a non-empty array');
    }
    const requests = cmd.requests.map(requestOf);
    const iterations = Number.isInteger(cmd.iterations) && cmd.iterations > 0 ? cmd.iterations : 100;
    const warmup = Number.isInteger(cmd.warmup) && cmd.warmup >= 0 ? cmd.warmup : 10;
    if (cmd.api !== undefined && cmd.api !== 'stateful' && cmd.api !== 'plain') {
      throw new CallError('"api" must be "stateful" or "plain"');
    }
    const stateful = hasStateful && cmd.api !== 'plain';
    if (cmd.api === 'stateful' && !hasStateful) throw new CallError('this cedar-wasm has no statefulIsAuthorized');

    let calls;
    if (stateful) {
      const pre = cedar.preparsePolicySet(BENCH_POLICY_SET, analysis.policySet);
      if (pre.type !== 'success') throw failure(pre);
      if (schema !== undefined) {
        const preSchema = cedar.preparseSchema(BENCH_SCHEMA, schema);
        if (preSchema.type !== 'success') throw failure(preSchema);
      }
      calls = requests.map((r) => {
        const call = { ...r, preparsedPolicySetId: BENCH_POLICY_SET, entities };
        if (schema !== undefined) call.preparsedSchemaName = BENCH_SCHEMA;
        return () => cedar.statefulIsAuthorized(call);
      });
    } else {
      calls = requests.map((r) => {
        const call = { ...r, policies: analysis.policySet, entities };
        if (schema !== undefined) call.schema = schema;
        return () => cedar.isAuthorized(call);
      });
    }

    for (let w = 0; w < warmup; ++w) for (const call of calls) call();

    const samples = new Float64Array(iterations * calls.length);
    let n = 0;
    let allow = 0;
    let deny = 0;
    let failures = 0;
    let firstFailure = null;
    for (let it = 0; it < iterations; ++it) {
      for (const call of calls) {
        const t0 = process.hrtime.bigint();
        const answer = call();
        const t1 = process.hrtime.bigint();
        samples[n++] = Number(t1 - t0) / 1000;
        if (answer.type === 'success') {
          if (answer.response.decision === 'allow') ++allow;
          else ++deny;
        } else {
          ++failures;
          firstFailure ??= messages(answer.errors).join('; ');
        }
      }
    }
    const sorted = samples.slice().sort();
    let total = 0;
    for (const s of samples) total += s;
    const round = (x) => Math.round(x * 100) / 100;
    return {
      api: stateful ? 'statefulIsAuthorized' : 'isAuthorized',
      iterations,
      requests: calls.length,
      samples: samples.length,
      p50_us: round(percentile(sorted, 50)),
      p90_us: round(percentile(sorted, 90)),
      p99_us: round(percentile(sorted, 99)),
      min_us: round(sorted[0]),
      max_us: round(sorted[sorted.length - 1]),
      mean_us: round(total / samples.length),
      total_ms: round(total / 1000),
      allow,
      deny,
      failures,
      firstFailure,
      error: null,
    };
  } catch (e) {
    if (e instanceof CallError) return { api: null, error: e.message };
    throw e;
  }
}

const commands = { version, authorize, validate, parse, bench };

function handle(line) {
  let cmd;
  try {
    cmd = JSON.parse(line);
  } catch (e) {
    return { error: `not JSON: ${e.message}` };
  }
  if (typeof cmd !== 'object' || cmd === null || Array.isArray(cmd)) return { error: 'a command must be a JSON object' };
  const run = Object.hasOwn(commands, cmd.cmd) ? commands[cmd.cmd] : undefined;
  let answer;
  if (run === undefined) {
    answer = { error: `unknown command ${JSON.stringify(cmd.cmd)} (known: ${Object.keys(commands).join(', ')})` };
  } else {
    try {
      answer = run(cmd);
    } catch (e) {
      // A bug here or a trap inside the wasm module: report it and keep serving.
      answer = { error: `internal error: ${e?.stack ?? e}` };
    }
  }
  return Object.hasOwn(cmd, 'id') ? { id: cmd.id, ...answer } : answer;
}

const input = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of input) {
  if (line.trim() === '') continue;
  process.stdout.write(`${JSON.stringify(handle(line))}\n`);
}
