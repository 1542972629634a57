// The floor of any ink view's open time on this machine: node starts, loads ink and react,
// draws one line and waits (the explain bench times it beside `slimts explain`).
import { createElement } from 'react';
import { Text, render } from 'ink';

render(createElement(Text, null, 'ink floor ready'), { patchConsole: false });
setTimeout(() => process.exit(0), 30_000);
