// Run by the lazy bench inside a task's network namespace (nsenter -n): GET / on 127.0.0.1:PORT
// every 10 ms until a status line "HTTP/1.x 200" comes back, then prints the wall clock (ms)
// and exits 0; exits 3 after TIMEOUT ms. One process for the whole wait, so polling costs the
// app no CPU to speak of and adds at most 10 ms to any variant.
const net = require('node:net');

const port = Number(process.argv[2]);
const timeoutMs = Number(process.argv[3] ?? 120000);
const ok = /^HTTP\/1\.\d 200/;
const attempt = () => {
  const c = net.connect(port, '127.0.0.1');
  let head = '';
  c.setNoDelay(true);
  c.on('connect', () => c.write('GET / HTTP/1.0\r\nHost: localhost\r\n\r\n'));
  c.on('data', (d) => {
    head += d.toString('latin1');
    if (ok.test(head)) {
      process.stdout.write(`${Date.now()}\n`);
      process.exit(0);
    }
  });
  c.on('error', () => {});
  c.on('close', () => setTimeout(attempt, 10));
};
attempt();
setTimeout(() => process.exit(3), timeoutMs);
