// Generates Tests/EventsTests/Fixtures/realtime.json: Superset 7 producer messages
// (Python json.dumps formatting, as superset/tasks publishes them, and the compact
// JSON.stringify form of upstream's own tests) and what upstream's Node server sends the
// browser for each: JSON.stringify({topic, payload}) of the parsed envelope.
// `parse` below restates upstream 7.0's parseRealtimeEnvelope
// (apache/superset superset-websocket/src/index.ts) so the expectations come from its
// rules; the cases marked "upstream:" are the messages of upstream's
// superset-websocket/spec/index.test.ts (describe 'routeRedisMessage' and
// 'subscribeToChannels') and of its loadtest publisher (superset-websocket/utils/loadtest).
// Run: node scripts/make-realtime-vectors.js > Tests/EventsTests/Fixtures/realtime.json
const valid = [
  ['task.status to a principal', '{"topic": "task.status", "scope": "principal", "routes": ["user:1"], "payload": {"task_id": "3f2a", "status": "success"}}'],
  ['task.status to a tab', '{"topic": "task.status", "scope": "tab", "routes": ["user:7:tab-A_1"], "payload": {"task_id": "9c1e-44", "status": "failure", "error": null}}'],
  ['task.status to a guest', '{"topic": "task.status", "scope": "principal", "routes": ["guest:5d41402abc4b2a76b9719d911017c592"], "payload": {"task_id": "g1", "status": "success"}}'],
  ['several routes', '{"topic": "task.status", "scope": "principal", "routes": ["user:1", "user:2", "guest:ab"], "payload": {"task_id": "t", "status": "in_progress"}}'],
  ['entity.changed broadcast', '{"topic": "entity.changed", "scope": "authenticated_global", "payload": {"entity_type": "task", "id": 42}}'],
  ['broadcast ignores routes', '{"topic": "entity.changed", "scope": "authenticated_global", "routes": ["user:1"], "payload": {"entity_type": "chart", "id": 7}}'],
  ['key order of the envelope does not matter', '{"payload": {"b": 1, "a": 2}, "routes": ["user:1"], "scope": "principal", "topic": "task.status"}'],
  ['integer-like keys are reordered as JavaScript does', '{"topic": "entity.changed", "scope": "authenticated_global", "payload": {"b": 1, "10": 2, "2": 3}}'],
  ['duplicate keys: the last wins', '{"topic": "task.status", "scope": "principal", "routes": ["user:1"], "payload": {"status": "a", "status": "b"}, "topic": "task.status"}'],
  ['numbers re-printed', '{"topic": "entity.changed", "scope": "authenticated_global", "payload": {"id": 1.0, "big": 1e21, "small": 0.0000001, "neg": -0.0}}'],
  ['unicode and escapes', '{"topic": "task.status", "scope": "principal", "routes": ["user:1"], "payload": {"name": "caf\\u00e9 \\ud83d\\ude00 \\u2028", "slash": "a\\/b"}}'],
  ['payload absent', '{"topic": "entity.changed", "scope": "authenticated_global"}'],
  ['payload not an object', '{"topic": "entity.changed", "scope": "authenticated_global", "payload": [1, "x", null, true]}'],
  ['upstream: task.status to one principal', JSON.stringify({ topic: 'task.status', scope: 'principal', routes: ['user:5'], payload: { task_id: 'abc', status: 'success' } })],
  ['upstream: task.status to a guest channel', JSON.stringify({ topic: 'task.status', scope: 'principal', routes: ['guest:abc'], payload: { task_id: 'xyz', status: 'failure' } })],
  ['upstream: task.status to one tab', JSON.stringify({ topic: 'task.status', scope: 'tab', routes: ['user:5:tabA'], payload: { task_id: 'abc', status: 'success' } })],
  ['upstream: repeated routing keys', JSON.stringify({ topic: 'task.status', scope: 'tab', routes: ['user:5', 'user:5'], payload: { task_id: 'abc', status: 'success' } })],
  ['upstream: entity.changed broadcast', JSON.stringify({ topic: 'entity.changed', scope: 'authenticated_global', payload: { entity_type: 'task', id: 'abc' } })],
  ['upstream: a targeted envelope with no routes delivers nowhere', JSON.stringify({ topic: 'task.status', scope: 'principal', payload: { task_id: 'abc', status: 'success' } })],
  ['targeted with empty routes delivers nowhere', '{"topic": "task.status", "scope": "tab", "routes": [], "payload": {}}'],
  ['any other scope is targeted', '{"topic": "task.status", "scope": "everyone", "routes": ["user:1"], "payload": {}}'],
  ['any topic is forwarded', '{"topic": "report.progress", "scope": "authenticated_global", "payload": {"pct": 50}}'],
  ['extra envelope fields are dropped', '{"topic": "task.status", "scope": "principal", "routes": ["user:1"], "payload": {}, "version": 2, "ts": 1}'],
];
const invalid = [
  ['upstream: a malformed (non-JSON) message', 'not json', 'invalidJSON'],
  ['truncated', '{"topic": "task.status"', 'invalidJSON'],
  ['an array', '[1, 2]', 'notAnObject'],
  ['a string', '"task.status"', 'notAnObject'],
  ['null', 'null', 'notAnObject'],
  ['upstream: a malformed envelope (missing topic)', JSON.stringify({ scope: 'authenticated_global', payload: { id: 1 } }), 'missingTopic'],
  ['topic not a string', '{"topic": 7, "scope": "authenticated_global", "payload": {}}', 'missingTopic'],
  ['empty topic', '{"topic": "", "scope": "authenticated_global", "payload": {}}', 'missingTopic'],
  ['no scope', '{"topic": "task.status", "routes": ["user:1"], "payload": {}}', 'badScope'],
  ['empty scope', '{"topic": "task.status", "scope": "", "routes": ["user:1"], "payload": {}}', 'badScope'],
  ['scope not a string', '{"topic": "task.status", "scope": ["principal"], "routes": ["user:1"], "payload": {}}', 'badScope'],
  ['upstream: an empty-string routing key', JSON.stringify({ topic: 'task.status', scope: 'tab', routes: [''], payload: { task_id: 'abc', status: 'success' } }), 'badRoutes'],
  ['a route not a string', '{"topic": "task.status", "scope": "principal", "routes": ["user:1", 2], "payload": {}}', 'badRoutes'],
  ['routes not a list', '{"topic": "task.status", "scope": "principal", "routes": "user:1", "payload": {}}', 'badRoutes'],
  ['routes null', '{"topic": "task.status", "scope": "principal", "routes": null, "payload": {}}', 'badRoutes'],
  ['a broadcast with bad routes', '{"topic": "entity.changed", "scope": "authenticated_global", "routes": [""], "payload": {}}', 'badRoutes'],
];

// Upstream 7.0's parseRealtimeEnvelope, restated: the reason names are this project's.
function parse(message) {
  let candidate;
  try { candidate = JSON.parse(message); } catch { return 'invalidJSON'; }
  if (!candidate || typeof candidate !== 'object' || Array.isArray(candidate)) return 'notAnObject';
  if (typeof candidate.topic !== 'string' || candidate.topic.length === 0) return 'missingTopic';
  if (typeof candidate.scope !== 'string' || candidate.scope.length === 0) return 'badScope';
  if (candidate.routes !== undefined && (!Array.isArray(candidate.routes)
      || !candidate.routes.every(route => typeof route === 'string' && route.length > 0))) return 'badRoutes';
  return candidate;
}

const out = {
  source: 'apache/superset 7.0 superset-websocket/src/index.ts (parseRealtimeEnvelope, routeRedisMessage) and spec/index.test.ts (cases named upstream:); browser bytes from Node JSON.stringify({topic, payload}) of JSON.parse(message), as superset-websocket sends them. Generated by scripts/make-realtime-vectors.js',
  valid: valid.map(([name, message]) => {
    const e = parse(message);
    if (typeof e === 'string') throw new Error(`${name}: ${e}`);
    return { name, message, routes: e.scope === 'authenticated_global' ? [] : (e.routes ?? []), scope: e.scope, browser: JSON.stringify({ topic: e.topic, payload: e.payload }) };
  }),
  invalid: invalid.map(([name, message, error]) => {
    if (parse(message) !== error) throw new Error(`${name}: upstream's rules say ${typeof parse(message) === 'string' ? parse(message) : 'valid'}`);
    return { name, message, error };
  }),
};
process.stdout.write(JSON.stringify(out, null, 2) + '\n');
