#!/usr/bin/env node
// The package's bin: `npx pg-grind --help`. All of it is in main.ts, which tests call in-process.
import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2), {
  env: process.env,
  out: (line) => console.log(line),
  err: (line) => console.error(line),
});
