const express = require('express');

const app = express();
app.get('/', (req, res) => res.send('<!doctype html><html><body><h1>express sample</h1><a href="/api/time">time</a></body></html>'));
app.get('/api/time', (req, res) => res.json({ ok: true, name: 'slimts-express' }));
const server = app.listen(3000, '0.0.0.0', () => console.log('listening on 3000'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
