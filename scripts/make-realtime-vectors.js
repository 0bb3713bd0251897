// Generates Tests/EventsTests/Fixtures/realtime.json: Superset 7 producer messages
// (Python json.dumps formatting, as superset/tasks publishes them) and what upstream's
// Node server sends the browser for each: JSON.stringify({topic, payload}) of the
// parsed envelope. Run: node scripts/make-realtime-vectors.js > Tests/EventsTests/Fixtures/realtime.json
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
  ['extra envelope fields are dropped', '{"topic": "task.status", "scope": "principal", "routes": ["user:1"], "payload": {}, "version": 2, "ts": 1}'],
];
const invalid = [
  ['not JSON', 'not json', 'invalidJSON'],
  ['truncated', '{"topic": "task.status"', 'invalidJSON'],
  ['an array', '[1, 2]', 'notAnObject'],
  ['a string', '"task.status"', 'notAnObject'],
  ['no topic', '{"scope": "authenticated_global", "payload": {}}', 'missingTopic'],
  ['topic not a string', '{"topic": 7, "scope": "authenticated_global", "payload": {}}', 'missingTopic'],
  ['empty topic', '{"topic": "", "scope": "authenticated_global", "payload": {}}', 'missingTopic'],
  ['unknown topic', '{"topic": "report.progress", "scope": "authenticated_global", "payload": {}}', 'unknownTopic'],
  ['no scope', '{"topic": "task.status", "routes": ["user:1"], "payload": {}}', 'badScope'],
  ['unknown scope', '{"topic": "task.status", "scope": "everyone", "payload": {}}', 'badScope'],
  ['targeted without routes', '{"topic": "task.status", "scope": "principal", "payload": {}}', 'badRoutes'],
  ['targeted with empty routes', '{"topic": "task.status", "scope": "tab", "routes": [], "payload": {}}', 'badRoutes'],
  ['a route not a string', '{"topic": "task.status", "scope": "principal", "routes": ["user:1", 2], "payload": {}}', 'badRoutes'],
  ['an empty route', '{"topic": "task.status", "scope": "principal", "routes": [""], "payload": {}}', 'badRoutes'],
  ['routes not a list', '{"topic": "task.status", "scope": "principal", "routes": "user:1", "payload": {}}', 'badRoutes'],
];
const out = {
  source: 'Envelope {topic, scope, routes?, payload} of apache/superset PR #43407/#43696; browser bytes from Node JSON.stringify({topic, payload}) of JSON.parse(message), as superset-websocket sends them',
  valid: valid.map(([name, message]) => {
    const e = JSON.parse(message);
    return { name, message, routes: e.scope === 'authenticated_global' ? [] : e.routes, scope: e.scope, browser: JSON.stringify({ topic: e.topic, payload: e.payload }) };
  }),
  invalid: invalid.map(([name, message, error]) => ({ name, message, error })),
};
process.stdout.write(JSON.stringify(out, null, 2) + '\n');
