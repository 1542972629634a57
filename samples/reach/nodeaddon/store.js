// A key-value tool. `count` (the image's default run) prints how many keys it ships with; `get`
// opens an in-memory SQLite database through Debian's node-sqlite3, whose binding is a
// compiled addon loaded by a path node-pre-gyp computes at run time.
const KEYS = { colour: 'blue', size: 'L' };
const mode = process.argv[2] || 'count';
if (mode === 'count') console.log(`${Object.keys(KEYS).length} keys`);
else if (mode === 'get') {
  const sqlite3 = require('sqlite3');
  const db = new sqlite3.Database(':memory:');
  db.serialize(() => {
    db.run('create table kv (k text, v text)');
    for (const [k, v] of Object.entries(KEYS)) db.run('insert into kv values (?, ?)', k, v);
    db.get("select v from kv where k = 'colour'", (err, row) => console.log(err ? String(err) : row.v));
  });
} else {
  console.error('usage: store.js count|get');
  process.exit(2);
}
