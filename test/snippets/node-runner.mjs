// A Node snippet's process: `node node-runner.mjs <snippet file> <name>` imports the snippet (its
// top-level code runs) and then its fixture's check, given the module. Exit code 1 on any error.
import { pathToFileURL } from 'node:url';
import { fixtures } from './fixtures.mjs';

const [file, name] = process.argv.slice(2);
const module = await import(pathToFileURL(file).href);
await fixtures[name].check?.({ module });
